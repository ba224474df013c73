"""The text of a certificate PDF (volunteers.certificate writes its pages uncompressed): the
strings its pages show, decoded from the PDF's escapes and the fonts' WinAnsi encoding."""

import re


def pdf_text(pdf: bytes) -> str:
    lines = []
    for raw in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", pdf):
        unescaped = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit() else m[1],
            raw,
        )
        lines.append(unescaped.decode("cp1252"))
    return "\n".join(lines)
