"""Taking turns at the model: questions go before the next batch of a bulk run."""

from __future__ import annotations

import threading
import time

from retrieval.model.turns import Turns


def test_an_urgent_turn_goes_before_waiting_bulk_batches():
    turns, order = Turns(), []
    holding, waiting = threading.Event(), threading.Event()

    def bulk(name: str) -> None:
        with turns.bulk():
            order.append(name)

    def first() -> None:
        with turns.bulk():
            holding.set()
            waiting.wait(5)
            order.append("first")

    threads = [threading.Thread(target=first)]
    threads[0].start()
    holding.wait(5)
    threads += [threading.Thread(target=bulk, args=(f"bulk{i}",)) for i in range(3)]
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.1)  # the bulk batches are waiting now

    def question() -> None:
        with turns.urgent():
            order.append("urgent")

    urgent = threading.Thread(target=question)
    urgent.start()
    time.sleep(0.1)
    waiting.set()
    for thread in [*threads, urgent]:
        thread.join(5)
    assert order[:2] == ["first", "urgent"] and sorted(order[2:]) == ["bulk0", "bulk1", "bulk2"]


def test_one_turn_at_a_time_and_released_on_error():
    turns, inside, most = Turns(), [0], [0]

    def work(kind: str) -> None:
        for _ in range(50):
            with getattr(turns, kind)():
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                inside[0] -= 1

    threads = [threading.Thread(target=work, args=(kind,)) for kind in ("urgent", "bulk", "urgent", "bulk")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most[0] == 1
    try:
        with turns.urgent():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with turns.bulk():  # not left taken
        pass


def test_a_question_is_embedded_while_a_long_run_of_passages_is(embedder):
    passages = [f"Berita nomor {i}: harga cabai di pasar induk naik lagi menjelang akhir tahun." * 3
                for i in range(400)]
    finished = {}

    def index() -> None:
        embedder.embed_passages(passages)
        finished["bulk"] = time.monotonic()

    bulk = threading.Thread(target=index)
    bulk.start()
    time.sleep(0.5)  # the run is under way
    vector = embedder.embed_query("Berapa harga cabai?")
    finished["question"] = time.monotonic()
    bulk.join(300)
    assert vector.shape == (embedder.warm_up().dimension,)
    assert finished["question"] < finished["bulk"]  # it did not wait for the whole run
