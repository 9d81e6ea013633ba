"""Whether this CPU multiplies int8 (or bfloat16) fast: the instructions that make an int8
graph (or bfloat16 training) pay.

Without VNNI (AVX-512 VNNI, AVX-VNNI) or AMX, OpenVINO runs int8 matrix products no faster
than float32, and the quantise/dequantise steps around them make the int8 reader slower
(measured on an AVX2-only AMD EPYC: 3 passages in 317 ms int8, 259 ms float32 on torch).
"""

from __future__ import annotations

from pathlib import Path

INT8_DOT_PRODUCT = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
BFLOAT16_DOT_PRODUCT = frozenset({"avx512_bf16", "amx_bf16"})
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The feature flags of the first processor listed in a /proc/cpuinfo text (x86: "flags")."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def _flags(cpuinfo: Path | None) -> frozenset[str] | None:
    """The CPU flags listed in ``cpuinfo`` (default: this machine's); None when they cannot be read."""
    try:
        flags = cpu_flags((cpuinfo or CPUINFO).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return flags or None


def fast_int8(cpuinfo: Path | None = None) -> bool:
    """True when the CPU has int8 dot-product instructions; True as well when it cannot be told
    (no /proc/cpuinfo), where int8 is the documented default."""
    flags = _flags(cpuinfo)
    return flags is None or bool(flags & INT8_DOT_PRODUCT)


def fast_bfloat16(cpuinfo: Path | None = None) -> bool:
    """True when the CPU has bfloat16 dot-product instructions (AVX-512 BF16, AMX): there, training
    under bfloat16 autocast ran 1.4 times faster than float32 (2 cores, AMD EPYC). False when it
    cannot be told: elsewhere bfloat16 is emulated and slower."""
    flags = _flags(cpuinfo)
    return flags is not None and bool(flags & BFLOAT16_DOT_PRODUCT)
