"""How an operation and its parameters are described, and shorthands to describe them."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from processing.ops.core import ImageArray

ParamKind = Literal["int", "float", "choice", "bool", "color", "text", "image"]
ParamValue = int | float | bool | str


@dataclass(frozen=True)
class ParamSpec:
    """One control of an operation.

    `default` None means the value is required. For "text", `min` and `max` bound the length.
    `choices` are (value, label) pairs. `in_pixels` marks lengths measured on the original
    image, which a preview scales down with the image.
    """

    name: str
    label: str
    kind: ParamKind
    default: ParamValue | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    in_pixels: bool = False
    help: str = ""


@dataclass(frozen=True)
class OpSpec:
    """One operation. `fn(image, **params)` runs it.

    `keeps_alpha`: it accepts RGBA (others get RGB; the renderer carries the alpha around them).
    `limits_size`: `fn` takes `max_pixels`, the largest image it may produce.
    `check(**params)` raises OpError for combinations of values no single range rules out.
    """

    name: str
    label: str
    group: str
    params: tuple[ParamSpec, ...]
    fn: Callable[..., ImageArray]
    keeps_alpha: bool = False
    limits_size: bool = False
    check: Callable[..., None] | None = None
    help: str = ""


def float_param(
    name: str,
    label: str,
    *,
    default: float,
    low: float,
    high: float,
    step: float,
    in_pixels: bool = False,
    help: str = "",
) -> ParamSpec:
    return ParamSpec(name, label, "float", default, low, high, step, in_pixels=in_pixels, help=help)


def int_param(
    name: str,
    label: str,
    *,
    default: int,
    low: int,
    high: int,
    step: int = 1,
    in_pixels: bool = False,
    help: str = "",
) -> ParamSpec:
    return ParamSpec(name, label, "int", default, low, high, step, in_pixels=in_pixels, help=help)


def percent_param(name: str, label: str, *, default: float, low: float = 0) -> ParamSpec:
    return float_param(name, label, default=default, low=low, high=100, step=1)


def fraction_param(name: str, label: str, *, default: float, help: str) -> ParamSpec:
    return float_param(name, label, default=default, low=0, high=1, step=0.001, help=help)


def choice_param(
    name: str, label: str, *, default: str, choices: tuple[tuple[str, str], ...]
) -> ParamSpec:
    return ParamSpec(name, label, "choice", default, choices=choices)


def bool_param(name: str, label: str, *, default: bool) -> ParamSpec:
    return ParamSpec(name, label, "bool", default)
