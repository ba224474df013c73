"""The line each benchmark prints about the machine it ran on."""

import os
import platform
import time


def speed_seconds() -> float:
    """The CPU's speed as the benchmark ran: seconds a pure-Python loop of 10 million additions
    takes (a shared virtual machine's speed varies from hour to hour; compare runs by it)."""
    start = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return time.perf_counter() - start


def describe(*, load_note: str = "when it finished", versions: str = "") -> str:
    """CPU, cores, load average, Python, Django, `versions` (e.g. "numpy 2.4.6, "), PostgreSQL."""
    import django
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores (load average {load} {load_note}; a pure-Python loop "
        f"of 10 million additions took {speed_seconds():.2f} s); "
        f"Python {platform.python_version()}, Django {django.get_version()}, {versions}"
        f"PostgreSQL {postgres} (local, TCP)"
    )
