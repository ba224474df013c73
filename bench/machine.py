"""The line each benchmark prints about the machine it ran on."""

import os
import platform


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
        f"{cpu}, {os.cpu_count()} cores (load average {load} {load_note}); "
        f"Python {platform.python_version()}, Django {django.get_version()}, {versions}"
        f"PostgreSQL {postgres} (local, TCP)"
    )
