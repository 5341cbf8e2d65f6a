"""Indonesian labels of ticket states, flags and history events in the workspace."""

from __future__ import annotations

from flask_babel import lazy_gettext as _

STATUS_LABELS = {
    "baru": _("Baru"),
    "diproses": _("Diproses"),
    "menunggu_warga": _("Menunggu warga"),
    "selesai": _("Selesai"),
    "ditutup": _("Ditutup"),
}

FLAG_LABELS = {
    "no_audio": _("Tidak ada suara terekam"),
    "no_speech": _("Tidak ada ucapan yang dikenali"),
    "unreadable_audio": _("Rekaman tidak bisa dibaca"),
    "truncated_audio": _("Rekaman terpotong"),
    "transcription_failed": _("Transkripsi gagal"),
}

EVENT_LABELS = {
    "created": _("Tiket dibuat"),
    "assigned": _("Ditugaskan"),
    "status": _("Status diubah"),
    "topic": _("Topik dikoreksi"),
    "flagged": _("Ditandai"),
    "transcribed": _("Ditranskripsi"),
    "note": _("Catatan ditambahkan"),
    "reply": _("Balasan SMS dibuat"),
    "correction": _("Transkrip dikoreksi"),
    "retried": _("Transkripsi diulang"),
}

MESSAGE_STATUS_LABELS = {
    "pending": _("Menunggu dikirim"),
    "sending": _("Sedang dikirim"),
    "queued": _("Diterima Twilio"),
    "sent": _("Terkirim"),
    "delivered": _("Sampai"),
    "undelivered": _("Tidak sampai"),
    "failed": _("Gagal"),
}
