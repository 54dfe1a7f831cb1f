"""Device lists as Windows writes them: the CSV of ``Get-WindowsAutopilotInfo`` (Device Serial Number, Windows
Product ID, Hardware Hash, optionally Group Tag and Assigned User) and Partner Center's own upload format (the
same plus Manufacturer name and Device model).

Hand-written over the standard ``csv`` module rather than a data-frame library: a device list is a few columns,
and the errors must name the file, the line and the fix. Encodings: UTF-8 (with or without BOM) and UTF-16
with a BOM (what PowerShell's ``Out-File`` writes).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024
COLUMNS = {
    "device serial number": "serialNumber",
    "windows product id": "productKey",
    "hardware hash": "hardwareHash",
    "manufacturer name": "oemManufacturerName",
    "device model": "modelName",
}
#: Columns Windows writes that Partner Center's device API has no field for: reported, never dropped silently.
NOT_SENT = {"group tag", "assigned user"}


class DeviceCsvError(ValueError):
    """The file cannot be used as it is; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class DeviceRow:
    line: int
    identity: dict[str, str]

    @property
    def label(self) -> str:
        return self.identity.get("serialNumber") or self.identity.get("productKey") or f"line {self.line}"


@dataclass
class DeviceList:
    rows: list[DeviceRow]
    notes: list[str] = field(default_factory=list)


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeviceCsvError(f"{path}: not UTF-8 or UTF-16 text: save it as UTF-8 and try again") from None


def _hash_problem(value: str) -> str | None:
    """A hardware hash is the base64 that Get-WindowsAutopilotInfo writes; anything else cannot be registered."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return "the Hardware Hash is not base64 (copy it whole from Get-WindowsAutopilotInfo's CSV)"
    return None if raw else "the Hardware Hash is empty"


def identifies(identity: dict[str, str]) -> bool:
    """Partner Center's accepted combinations: a hardware hash, a product key, or serial + manufacturer + model."""
    return bool(identity.get("hardwareHash") or identity.get("productKey")) or all(
        identity.get(k) for k in ("serialNumber", "oemManufacturerName", "modelName")
    )


def read_device_csv(path: Path) -> DeviceList:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DeviceCsvError(f"{path}: {size} bytes is more than a device list should be (limit {MAX_BYTES})")
        text = _decode(path.read_bytes(), path)
    except OSError as err:
        raise DeviceCsvError(f"{path}: cannot be read ({err.strerror or err})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise DeviceCsvError(
            f"{path}: empty: expected a header line like 'Device Serial Number,Windows Product ID,Hardware Hash'"
        )
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h and h not in COLUMNS and h not in NOT_SENT]
    if unknown or not any(h in COLUMNS for h in names):
        raise DeviceCsvError(
            f"{path}: line 1: unknown column(s) {', '.join(repr(u) for u in unknown) or '(none known)'}: expected "
            f"{', '.join(repr(c.title()) for c in COLUMNS)} (Get-WindowsAutopilotInfo's CSV)"
        )
    rows, problems, dropped = [], [], set()
    seen: dict[str, int] = {}
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(names):
            problems.append(f"line {line}: {len(record)} cells for {len(names)} columns")
            continue
        identity = {}
        for name, cell in zip(names, record, strict=False):
            value = cell.strip()
            if name in COLUMNS and value:
                identity[COLUMNS[name]] = value
            elif name in NOT_SENT and value:
                dropped.add(name)
        if not identifies(identity):
            problems.append(
                f"line {line}: needs a Hardware Hash, a Windows Product ID, or serial + manufacturer + model"
            )
            continue
        if identity.get("hardwareHash") and (problem := _hash_problem(identity["hardwareHash"])):
            problems.append(f"line {line}: {problem}")
            continue
        key = identity.get("hardwareHash") or identity.get("productKey") or identity.get("serialNumber", "")
        if key in seen:
            problems.append(f"line {line}: the same device as line {seen[key]}")
            continue
        seen[key] = line
        rows.append(DeviceRow(line, identity))
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise DeviceCsvError(f"{path}: {shown}. Fix these lines; nothing was uploaded")
    if not rows:
        raise DeviceCsvError(f"{path}: no devices under the header")
    notes = [
        f"column {name.title()!r} is not part of Partner Center's device upload: set it in Intune after registration"
        for name in sorted(dropped)
    ]
    return DeviceList(rows, notes)
