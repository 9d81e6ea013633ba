"""Whether this CPU multiplies int8 fast: the instructions that make an int8 graph pay.

Without VNNI (AVX-512 VNNI, AVX-VNNI) or AMX, OpenVINO runs int8 matrix products no faster
than float32, and the quantise/dequantise steps around them make the int8 reader slower
(measured on an AVX2-only AMD EPYC: 3 passages in 317 ms int8, 259 ms float32 on torch).
"""

from __future__ import annotations

from pathlib import Path

INT8_DOT_PRODUCT = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The feature flags of the first processor listed in a /proc/cpuinfo text (x86: "flags")."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def fast_int8(cpuinfo: Path = CPUINFO) -> bool:
    """True when the CPU has int8 dot-product instructions; True as well when it cannot be told
    (no /proc/cpuinfo), where int8 is the documented default."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    flags = cpu_flags(text)
    return not flags or bool(flags & INT8_DOT_PRODUCT)
