#!/usr/bin/env bash
# Synthesise the Indonesian test recordings in tests/data/ with espeak-ng, sox and ffmpeg.
# Speech is band-limited to 300-3400 Hz and resampled to 8 kHz mono, as a phone line
# delivers it. Output is byte-identical between runs with the same tool versions.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="$repo_root/tests/data"
work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT

for tool in espeak-ng sox ffmpeg openssl; do
    if ! command -v "$tool" >/dev/null; then
        echo "error: $tool is missing. Install it (Debian: apt-get install $tool)." >&2
        exit 1
    fi
done

mkdir -p "$data_dir"

# Encode INPUT to OUTPUT with the given ffmpeg output options. -bitexact keeps encoder
# version strings and random Ogg serial numbers out of the files.
encode() {
    local input="$1" output="$2"
    shift 2
    ffmpeg -nostdin -loglevel error -y -i "$input" -map_metadata -1 -fflags +bitexact \
        -flags:a +bitexact "$@" "$output"
}

# Write $work_dir/NAME.wav: Indonesian speech as 8 kHz mono 16-bit PCM, phone band only.
synthesise_phone() {
    local name="$1" text="$2"

    espeak-ng -v id -s 160 -w "$work_dir/$name.wide.wav" "$text"

    # -D disables dither, which would otherwise add random noise on every run.
    sox -D "$work_dir/$name.wide.wav" -r 8000 -c 1 -b 16 -e signed-integer \
        "$work_dir/$name.wav" highpass 300 lowpass 3400 norm -3
}

synthesise_phone ktp "Selamat siang. KTP elektronik saya belum jadi sejak tiga bulan yang \
lalu. NIK saya satu empat tujuh satu, nol dua."
synthesise_phone kk "Halo, saya mau mengadukan Kartu Keluarga. Nama anak saya salah ditulis \
di KK, mohon segera diperbaiki."
synthesise_phone akta "Selamat pagi. Saya sudah mengurus akta kelahiran anak saya bulan \
lalu, tapi sampai sekarang belum selesai."
synthesise_phone pindah "Saya pindah datang dari Kota Dumai ke Pekanbaru. Surat pindah saya \
sudah lengkap, tapi data saya belum masuk."

encode "$work_dir/ktp.wav" "$data_dir/ktp.wav" -c:a pcm_s16le
encode "$work_dir/kk.wav" "$data_dir/kk.wav" -c:a pcm_s16le

# G.711 mu-law, the 8-bit telephone codec, in a WAV container.
encode "$work_dir/akta.wav" "$data_dir/akta_mulaw.wav" -c:a pcm_mulaw

encode "$work_dir/pindah.wav" "$data_dir/pindah.mp3" -c:a libmp3lame -b:a 16k \
    -ar 8000 -id3v2_version 0

# WhatsApp voice notes are wideband Opus in Ogg, so this one skips the phone band.
espeak-ng -v id -s 160 -w "$work_dir/voice_note.wide.wav" \
    "Tolong bantu saya. Tanggal lahir di KTP saya salah, mohon diperbaiki."
encode "$work_dir/voice_note.wide.wav" "$data_dir/voice_note.ogg" -ac 1 -ar 16000 \
    -c:a libopus -b:a 16k -application voip

sox -D -n -r 8000 -c 1 -b 16 -e signed-integer "$work_dir/silence.wav" trim 0 5
encode "$work_dir/silence.wav" "$data_dir/silence.wav" -c:a pcm_s16le

: >"$data_dir/empty.wav"

# The header of kk.wav still announces all of its samples, but only the first
# 2.5 s (40,000 bytes of data) follow, plus one byte of a cut-off sample.
header_bytes=44
head -c $((header_bytes + 40001)) "$data_dir/kk.wav" >"$data_dir/truncated.wav"

# Pseudo-random bytes from AES-CTR over zeros with a fixed key: the same 4 KiB every run.
head -c 4096 /dev/zero \
    | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
        -iv 00000000000000000000000000000000 >"$data_dir/garbage.wav"

ls -l "$data_dir"
