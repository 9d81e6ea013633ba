"""The record of who holds the operators' menu: written whole, read back, and a damaged one refused."""

from __future__ import annotations

import pytest

from bot.operator_menus import MENUS_FILE, menu_holders, record_menu_holders


def test_the_record_is_read_back_and_a_missing_one_holds_nobody(tmp_path):
    assert menu_holders(tmp_path) == frozenset()
    record_menu_holders(tmp_path, frozenset({42, 7}))
    assert menu_holders(tmp_path) == frozenset({7, 42})
    assert [p.name for p in tmp_path.iterdir()] == [MENUS_FILE]  # no temporary file left


@pytest.mark.parametrize("damaged", ['{"holders": [1e400]}', '{"holders": "4242"}', '{"holders": [true]}',
                                     '{"holders": [4.5]}', '[4242]', '{not json', ''])
def test_a_damaged_record_is_refused_with_a_warning_that_echoes_no_id(tmp_path, caplog, damaged):
    (tmp_path / MENUS_FILE).write_text(damaged)
    with caplog.at_level("WARNING", logger="bot.operator_menus"):
        assert menu_holders(tmp_path) is None
    assert "cannot read" in caplog.text and "written again" in caplog.text and "4242" not in caplog.text


def test_a_record_that_cannot_be_written_is_a_warning_not_a_failed_start(tmp_path, caplog):
    not_a_folder = tmp_path / "index"
    not_a_folder.write_text("a file where the index folder should be")
    with caplog.at_level("WARNING", logger="bot.operator_menus"):
        record_menu_holders(not_a_folder, frozenset({43}))
    assert "cannot write" in caplog.text and "Make the index folder writable" in caplog.text
    assert [p.name for p in tmp_path.iterdir()] == ["index"]
