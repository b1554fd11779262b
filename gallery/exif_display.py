"""EXIF as a person reads it: the camera's name, a one-line summary and the table humanised.

Pure functions over the stored EXIF dict (gallery.imaging.metadata.exif_json), no models.
"""

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

from gallery.imaging.metadata import JsonValue
from gallery.terms import camera_name

__all__ = ["camera_name", "exif_rows", "exif_summary", "exif_value"]

Exif = Mapping[str, JsonValue]


def _number(value: JsonValue | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _trim(number: float, places: int = 1) -> str:
    text = f"{number:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def exposure(seconds: float) -> str:
    """0.008264 -> "1/121 s"; 2.5 -> "2.5 s"."""
    if seconds <= 0:
        return ""
    if seconds >= 0.3:
        return f"{_trim(seconds)} s"
    return f"1/{round(1 / seconds)} s"


def _exposure(value: JsonValue) -> str | None:
    seconds = _number(value)
    return exposure(seconds) if seconds is not None else None


def _apex_shutter(value: JsonValue) -> str | None:
    apex = _number(value)
    return exposure(2**-apex) if apex is not None and -20 < apex < 40 else None


def _f_number(value: JsonValue) -> str | None:
    number = _number(value)
    return f"f/{_trim(number)}" if number else None


def _apex_aperture(value: JsonValue) -> str | None:
    apex = _number(value)
    return f"f/{_trim(math.sqrt(2) ** apex)}" if apex is not None and 0 <= apex < 40 else None


def _millimetres(value: JsonValue) -> str | None:
    number = _number(value)
    return f"{_trim(number)} mm" if number else None


def _iso(value: JsonValue) -> str | None:
    number = _number(value[0] if value else None) if isinstance(value, list) else _number(value)
    return f"ISO {number:.0f}" if number else None


def _bias(value: JsonValue) -> str | None:
    number = _number(value)
    if number is None:
        return None
    if number == 0:
        return "0 EV"
    fraction = Fraction(number).limit_denominator(3)
    return f"{'+' if number > 0 else '−'}{abs(fraction)} EV"


def _metres(value: JsonValue) -> str | None:
    number = _number(value)
    if number is None or number >= 4_294_967_295:  # 0xFFFFFFFF: infinity
        return "infinity" if number else None
    return f"{_trim(number, 2)} m"


def _degrees(value: JsonValue) -> str | None:
    if not isinstance(value, list) or not 1 <= len(value) <= 3:
        return None
    parts = [_number(part) or 0.0 for part in value] + [0.0, 0.0]
    decimal = parts[0] + parts[1] / 60 + parts[2] / 3600
    whole = int(decimal)
    minutes = (decimal - whole) * 60
    return f"{whole}° {int(minutes)}′ {_trim((minutes - int(minutes)) * 60, 2)}″"


def _flash(value: JsonValue) -> str | None:
    if not isinstance(value, int):
        return None
    fired = "Fired" if value & 1 else "Did not fire"
    modes = {1: ", forced", 2: ", suppressed", 3: ", auto"}
    extra = modes.get((value >> 3) & 3, "")
    if value & 0x20:
        return "No flash"
    return fired + extra + (", red-eye reduction" if value & 0x40 else "")


def _choice(names: Mapping[int, str]) -> Callable[[JsonValue], str | None]:
    def name(value: JsonValue) -> str | None:
        return names.get(value) if isinstance(value, int) else None

    return name


METERING = {
    0: "Unknown",
    1: "Average",
    2: "Centre-weighted average",
    3: "Spot",
    4: "Multi-spot",
    5: "Pattern",
    6: "Partial",
    255: "Other",
}
PROGRAMS = {
    0: "Not defined",
    1: "Manual",
    2: "Normal program",
    3: "Aperture priority",
    4: "Shutter priority",
    5: "Creative program",
    6: "Action program",
    7: "Portrait mode",
    8: "Landscape mode",
}
ORIENTATIONS = {
    1: "Normal",
    2: "Mirrored",
    3: "Rotated 180°",
    4: "Mirrored vertically",
    5: "Mirrored, rotated 90° anticlockwise",
    6: "Rotated 90° clockwise",
    7: "Mirrored, rotated 90° clockwise",
    8: "Rotated 90° anticlockwise",
}
LIGHT = {
    0: "Unknown",
    1: "Daylight",
    2: "Fluorescent",
    3: "Tungsten",
    4: "Flash",
    9: "Fine weather",
    10: "Cloudy",
    11: "Shade",
    17: "Standard light A",
    18: "Standard light B",
    19: "Standard light C",
    255: "Other",
}
LOW_NORMAL_HIGH = {0: "Normal", 1: "Low", 2: "High"}
SOFT_NORMAL_HARD = {0: "Normal", 1: "Soft", 2: "Hard"}

FORMATTERS: dict[str, Callable[[JsonValue], str | None]] = {
    "ExposureTime": _exposure,
    "ShutterSpeedValue": _apex_shutter,
    "FNumber": _f_number,
    "ApertureValue": _apex_aperture,
    "MaxApertureValue": _apex_aperture,
    "FocalLength": _millimetres,
    "FocalLengthIn35mmFilm": _millimetres,
    "ISOSpeedRatings": _iso,
    "PhotographicSensitivity": _iso,
    "ExposureBiasValue": _bias,
    "SubjectDistance": _metres,
    "GPSAltitude": _metres,
    "GPSLatitude": _degrees,
    "GPSLongitude": _degrees,
    "Flash": _flash,
    "MeteringMode": _choice(METERING),
    "ExposureProgram": _choice(PROGRAMS),
    "Orientation": _choice(ORIENTATIONS),
    "LightSource": _choice(LIGHT),
    "WhiteBalance": _choice({0: "Auto", 1: "Manual"}),
    "ExposureMode": _choice({0: "Auto", 1: "Manual", 2: "Auto bracket"}),
    "SceneCaptureType": _choice({0: "Standard", 1: "Landscape", 2: "Portrait", 3: "Night"}),
    "ColorSpace": _choice({1: "sRGB", 2: "Adobe RGB", 65535: "Uncalibrated"}),
    "ResolutionUnit": _choice({1: "None", 2: "Inches", 3: "Centimetres"}),
    "YCbCrPositioning": _choice({1: "Centred", 2: "Co-sited"}),
    "Contrast": _choice(SOFT_NORMAL_HARD),
    "Sharpness": _choice(SOFT_NORMAL_HARD),
    "Saturation": _choice(LOW_NORMAL_HIGH),
    "GainControl": _choice(
        {0: "None", 1: "Low gain up", 2: "High gain up", 3: "Low gain down", 4: "High gain down"}
    ),
    "SensingMethod": _choice(
        {1: "Not defined", 2: "One-chip colour area", 3: "Two-chip colour area", 7: "Trilinear"}
    ),
    "CustomRendered": _choice({0: "Normal", 1: "Custom"}),
    "SubjectDistanceRange": _choice({0: "Unknown", 1: "Macro", 2: "Close", 3: "Distant"}),
    "GPSAltitudeRef": _choice({0: "Above sea level", 1: "Below sea level"}),
}


def exif_value(key: str, value: JsonValue) -> str:
    """One EXIF value as text: humanised where the tag is known, else as stored."""
    formatter = FORMATTERS.get(key)
    if formatter is not None and (text := formatter(value)):
        return text
    if isinstance(value, float):
        return _trim(value, 4)
    if isinstance(value, list):
        return ", ".join(exif_value("", item) for item in value)
    return str(value)


def exif_rows(exif: Exif) -> list[tuple[str, str]]:
    """The EXIF table's rows: (tag, humanised value), in stored order."""
    return [(key, exif_value(key, value)) for key, value in exif.items()]


def exif_summary(exif: Exif, *, camera: str = "") -> str:
    """'1/121 s · f/1.5 · ISO 125 · 26 mm · Apple iPhone 13 Pro': exposure, aperture,
    sensitivity, focal length (35 mm equivalent where known) and camera; missing parts left
    out."""
    focal = exif.get("FocalLengthIn35mmFilm") or exif.get("FocalLength")
    parts = [
        _exposure(exif["ExposureTime"]) if "ExposureTime" in exif else None,
        _f_number(exif["FNumber"]) if "FNumber" in exif else None,
        _iso(exif.get("ISOSpeedRatings") or exif.get("PhotographicSensitivity") or 0),
        _millimetres(focal) if focal is not None else None,
        camera or None,
    ]
    return " · ".join(part for part in parts if part)
