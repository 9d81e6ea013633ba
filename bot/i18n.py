"""Interface strings in Indonesian and English, chosen from the user's Telegram language."""

from __future__ import annotations

DEFAULT_LANGUAGE = "id"

_STRINGS: dict[str, dict[str, str]] = {
    "start": {
        "id": ("Halo! Saya newsbot. Tanyakan apa saja tentang berita dengan kata-kata Anda sendiri, "
               "dan saya kirimkan kutipan artikel yang paling menjawabnya, lengkap dengan media, judul "
               "dan tanggalnya.\n\nCoba salah satu pertanyaan ini:"),
        "en": ("Hi! I'm newsbot. Ask anything about the news in your own words and I'll send the "
               "passages from news articles that best answer it, each with its outlet, title and "
               "date.\n\nTry one of these questions:"),
    },
    "help": {
        "id": ("<b>Cara bertanya</b>\n"
               "• Di chat pribadi: kirim pertanyaan Anda, dalam bahasa Indonesia atau Inggris.\n"
               "• Di grup: sebut @{username} atau pakai /ask pertanyaan.\n"
               "• Di chat mana pun: ketik @{username} pertanyaan (mode inline).\n"
               "• Tekan <b>Lainnya</b> untuk kutipan berikutnya.\n"
               "• Saring dengan <code>media:Kontan</code>, <code>sejak:2024-06-01</code>, "
               "<code>hingga:2024-06-30</code> (nama media berspasi pakai tanda kutip: "
               "<code>media:\"VOA Indonesia\"</code>), misalnya: "
               "<code>media:Liputan6 sejak:2024-06-01 Kapan Putin ke Vietnam?</code>\n\n"
               "<b>Perintah</b>\n/start — perkenalan dan contoh\n/help — bantuan ini\n"
               "/sources — media dan rentang tanggal yang dicakup\n/ask pertanyaan — bertanya (untuk grup)"),
        "en": ("<b>How to ask</b>\n"
               "• In a private chat: send your question, in Indonesian or English.\n"
               "• In a group: mention @{username} or use /ask question.\n"
               "• In any chat: type @{username} question (inline mode).\n"
               "• Tap <b>More</b> for further passages.\n"
               "• Filter with <code>outlet:Kontan</code>, <code>since:2024-06-01</code>, "
               "<code>until:2024-06-30</code> (quote outlet names with spaces: "
               "<code>outlet:\"VOA Indonesia\"</code>), e.g. "
               "<code>outlet:Liputan6 since:2024-06-01 When will Putin visit Vietnam?</code>\n\n"
               "<b>Commands</b>\n/start — introduction and examples\n/help — this help\n"
               "/sources — outlets and dates covered\n/ask question — ask (for groups)"),
    },
    "sources_head": {"id": "<b>Sumber dalam indeks</b> ({articles} artikel):",
                     "en": "<b>Sources in the index</b> ({articles} articles):"},
    "sources_line": {"id": "• {outlet}: {count} artikel{dates}", "en": "• {outlet}: {count} article(s){dates}"},
    "no_answer": {
        "id": "Maaf, saya tidak menemukan kutipan berita yang menjawab pertanyaan itu. Coba ulangi dengan "
              "kata lain, sebut nama orang, tempat atau peristiwanya.",
        "en": "Sorry, I found no news passage that answers that. Try rephrasing it, naming the people, "
              "places or events involved.",
    },
    "empty_question": {"id": "Tulis pertanyaan Anda, misalnya: {example}",
                       "en": "Type your question, for example: {example}"},
    "too_long": {"id": "Pertanyaannya terlalu panjang ({length} karakter). Tanyakan dalam {limit} karakter saja.",
                 "en": "That question is too long ({length} characters). Please ask in at most {limit}."},
    "no_words": {"id": "Saya hanya bisa menjawab pertanyaan berupa kata-kata. Coba tulis pertanyaan Anda.",
                 "en": "I can only answer questions written in words. Please type your question."},
    "text_only": {"id": "Saya hanya membaca pertanyaan berupa teks. Kirim pertanyaan Anda sebagai pesan.",
                  "en": "I can only read text questions. Please send your question as a message."},
    "unknown_command": {"id": "Perintah itu tidak saya kenal. Lihat /help.",
                        "en": "I don't know that command. See /help."},
    "rate_limited": {"id": "Pelan-pelan ya, terlalu banyak pertanyaan. Pesan berikutnya saya lewati; "
                           "coba lagi dalam {seconds} detik.",
                     "en": "Easy there, that's a lot of questions. I'll skip your next messages; please try "
                           "again in {seconds} seconds."},
    "unreadable": {"id": "Teks itu tidak bisa saya baca (bukan teks UTF-8 yang sah). Ketik ulang pertanyaan Anda.",
                   "en": "I can't read that text (it isn't valid UTF-8). Please type your question again."},
    "unknown_outlet": {"id": "Tidak ada media bernama {unknown} di indeks. Media yang ada: {outlets}. "
                             "Lihat /sources.",
                       "en": "There is no outlet named {unknown} in the index. The outlets are: {outlets}. "
                             "See /sources."},
    "not_allowed": {"id": "Maaf, bot ini hanya untuk pengguna terdaftar.",
                    "en": "Sorry, this bot is only available to registered users."},
    "expired": {"id": "Hasil ini sudah kedaluwarsa. Silakan tanyakan lagi.",
                "en": "These results have expired. Please ask again."},
    "no_more": {"id": "Tidak ada kutipan lain.", "en": "There are no more passages."},
    "more": {"id": "Lainnya ▸", "en": "More ▸"},
    "error": {"id": "Maaf, ada yang salah di pihak kami. Silakan coba lagi sebentar lagi.",
              "en": "Sorry, something went wrong on our side. Please try again in a moment."},
    "ask_usage": {"id": "Tulis pertanyaan setelah /ask, misalnya: /ask {example}",
                  "en": "Put your question after /ask, for example: /ask {example}"},
    "also": {"id": "Juga diberitakan: {outlets}", "en": "Also reported by: {outlets}"},
    "bad_filter": {"id": "Filter tidak bisa dipakai: {detail}. Lihat /help untuk contohnya.",
                   "en": "That filter can't be used: {detail}. See /help for examples."},
    "unknown_date": {"id": "tanggal tidak diketahui", "en": "date unknown"},
    "answer_line": {"id": "<b>Jawaban:</b> {answer} <i>({outlet})</i>", "en": "<b>Answer:</b> {answer} <i>({outlet})</i>"},
    "closest": {"id": "Kutipan terdekat (mungkin tidak menjawab):", "en": "Closest passages (may not answer):"},
    "page": {"id": "Hasil {first}–{last} untuk: {question}", "en": "Results {first}–{last} for: {question}"},
    "admin_only": {"id": "Maaf, perintah itu hanya untuk pengelola bot ini.",
                   "en": "Sorry, that command is only for this bot's operators."},
    "fetch_started": {"id": "Mengambil berita dari feed sekarang…", "en": "Fetching the feeds now…"},
    "fetch_busy": {"id": "Pengambilan berita sedang berjalan; hasilnya muncul di /status.",
                   "en": "A fetch is already running; /status will show its result."},
    "fetch_done": {"id": "Selesai dalam {seconds} detik: {new} artikel baru, {failed} gagal. Lihat /status.",
                   "en": "Done in {seconds} s: {new} new article(s), {failed} failed. See /status."},
    "fetch_failed": {"id": "Pengambilan berita gagal: {error}", "en": "The fetch failed: {error}"},
    "status_head": {"id": "Status newsbot", "en": "newsbot status"},
    "status_index": {"id": "Indeks: {articles} artikel, {passages} kutipan; model {model}",
                     "en": "Index: {articles} articles, {passages} passages; model {model}"},
    "status_outlets": {"id": "Artikel per media: {outlets}", "en": "Articles per outlet: {outlets}"},
    "status_more_outlets": {"id": "+{count} media lain", "en": "+{count} more outlets"},
    "status_uptime": {"id": "Berjalan selama {uptime}", "en": "Up for {uptime}"},
    "status_schedule": {"id": "Feed diambil tiap {minutes} menit.", "en": "Feeds are fetched every {minutes} min."},
    "status_schedule_off": {"id": "Pengambilan terjadwal mati (NEWSBOT_FETCH_MINUTES); /fetch mengambil sekarang.",
                            "en": "Scheduled fetching is off (NEWSBOT_FETCH_MINUTES); /fetch fetches now."},
    "status_fetching": {"id": "Sedang mengambil.", "en": "Fetching now."},
    "status_no_feeds": {"id": "Belum ada feed yang diikuti; tambahkan dengan: newsbot feeds add URL",
                        "en": "No feeds are followed; add one with: newsbot feeds add URL"},
    "status_site_outlet": {"id": "media dari situsnya", "en": "outlet from the site"},
    "status_fetched": {"id": "terakhir {when}: {new} baru, {failed} gagal",
                       "en": "last fetch {when}: {new} new, {failed} failed"},
    "status_not_fetched": {"id": "belum pernah diambil", "en": "not fetched yet"},
    "status_last_error": {"id": "galat terakhir: {error}", "en": "last error: {error}"},
    "status_resting": {"id": "{count} halaman terus gagal, kini dicoba sekali sehari",
                       "en": "{count} page(s) kept failing, now tried once a day"},
    "vote_thanks": {"id": "Terima kasih atas penilaian Anda!", "en": "Thanks for your feedback!"},
    "vote_again": {"id": "Anda sudah menilai jawaban ini.", "en": "You have already rated this answer."},
}

EXAMPLES = {
    "id": ["Kapan Putin akan mengunjungi Vietnam?", "Siapa penasihat kebijakan luar negeri Putin?",
           "Apa isi surat Putin untuk Kim Jong Un?"],
    "en": ["When will Putin visit Vietnam?", "Who is Putin's foreign policy adviser?",
           "What did Putin promise North Korea in his letter?"],
}

ADMIN_COMMANDS = {
    "id": [("status", "Indeks, feed, model dan waktu berjalan"), ("fetch", "Ambil berita dari feed sekarang")],
    "en": [("status", "Index, feeds, model and uptime"), ("fetch", "Fetch the feeds now")],
}

COMMANDS = {
    "id": [("start", "Perkenalan dan contoh pertanyaan"), ("help", "Cara bertanya"),
           ("sources", "Media dan tanggal yang dicakup"), ("ask", "Tanyakan sesuatu (untuk grup)")],
    "en": [("start", "Introduction and example questions"), ("help", "How to ask"),
           ("sources", "Outlets and dates covered"), ("ask", "Ask a question (for groups)")],
}


def language_for(code: str | None) -> str:
    """English for English-language Telegram clients, Indonesian for everyone else."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANGUAGE


def text(key: str, language: str, **values: object) -> str:
    """The interface string ``key`` in ``language``, with ``values`` filled in."""
    return _STRINGS[key][language].format(**values)
