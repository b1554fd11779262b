"""Edit recipes: an ordered list of operations, validated once, rendered at any resolution.

A recipe is data like `[{"op": "crop", "params": {"x": 0.1, ...}}, {"op": "sepia"}]`.
`recipe_validate` turns it into `Step`s with every parameter present and of the right type;
`recipe_render` applies them to an image, either the original or a smaller preview of it.
"""

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from processing.ops import (
    DEFAULT_MAX_PIXELS,
    OPS,
    ImageArray,
    OpError,
    OpSpec,
    ParamSpec,
    ParamValue,
    TooLargeError,
    color_hex,
)

MAX_STEPS = 50
MAX_IMAGE_REF_LENGTH = 100

ImageResolver = Callable[[str], ImageArray]

_TRUE_WORDS = frozenset({"true", "on", "yes", "1"})
_FALSE_WORDS = frozenset({"false", "off", "no", "0", ""})
_STEP_KEYS = frozenset({"op", "params"})


class RecipeError(ValueError):
    """A recipe that cannot be used; the message names the step and is fit for the user."""


class _BadValue(ValueError):
    """A parameter value problem, worded without the step (added by the caller)."""


@dataclass(frozen=True)
class Step:
    """One validated operation: `params` holds every parameter of the op, defaults filled in.

    `params` is a plain dict of JSON types, ready to be stored as it is; treat it as read-only.
    """

    op: str
    params: dict[str, ParamValue]


def recipe_validate(raw: object) -> list[Step]:
    """Check a recipe as it arrives (parsed JSON, a form, a stored document) and normalise it.

    Numbers and booleans may come as strings, as HTML forms send them.
    """
    if not isinstance(raw, list | tuple):
        raise RecipeError("a recipe must be a list of steps")
    if len(raw) > MAX_STEPS:
        raise RecipeError(f"a recipe can have at most {MAX_STEPS} steps, this one has {len(raw)}")
    return [_step_validate(raw_step, number=number) for number, raw_step in enumerate(raw, 1)]


def recipe_render(
    image: ImageArray,
    steps: Sequence[Step],
    *,
    scale: float = 1.0,
    resolve_image: ImageResolver | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ImageArray:
    """Apply `steps` to `image`, which may be a preview: `scale` is its width / the original's.

    Lengths in pixels of the original (blur radius, text size, resize targets...) are scaled
    with it, and so is the size limit, so that a preview looks like, and fails like, the
    full-size render. `resolve_image(image_id)` supplies the pictures that steps refer to;
    it may raise OpError or RecipeError with a message for the user.
    """
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale}")
    result = image.copy()
    for number, step in enumerate(steps, 1):
        spec = OPS[step.op]
        try:
            arguments = _arguments(spec, step=step, scale=scale, resolve_image=resolve_image)
            if spec.limits_size:
                arguments["max_pixels"] = max(1, math.floor(max_pixels * scale * scale))
            result = _apply(spec, image=result, arguments=arguments)
        except TooLargeError as error:
            limit = f"{max_pixels / 1_000_000:g} megapixels"
            problem = f"the result would be over the limit of {limit}"
            raise RecipeError(_step_message(number, op=step.op, problem=problem)) from error
        except OpError as error:
            raise RecipeError(_step_message(number, op=step.op, problem=str(error))) from error
    return result


def recipe_to_data(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """Plain lists and dicts, for JSON or a database document; `recipe_validate` reads it back."""
    return [{"op": step.op, "params": dict(step.params)} for step in steps]


def recipe_to_json(steps: Sequence[Step]) -> str:
    return json.dumps(recipe_to_data(steps), ensure_ascii=False, separators=(",", ":"))


def recipe_from_json(text: str) -> list[Step]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise RecipeError(f"the recipe is not valid JSON ({error.msg})") from error
    return recipe_validate(raw)


def _step_validate(raw_step: object, *, number: int) -> Step:
    if not isinstance(raw_step, Mapping):
        raise RecipeError(f'step {number}: must be an object with "op" and "params"')
    op = raw_step.get("op")
    if not isinstance(op, str) or not op:
        raise RecipeError(f'step {number}: "op" must name an operation')
    spec = OPS.get(op)
    if spec is None:
        raise RecipeError(f'step {number}: unknown operation "{op}"')
    if unknown_keys := set(raw_step) - _STEP_KEYS:
        key = sorted(map(str, unknown_keys))[0]
        raise RecipeError(_step_message(number, op=op, problem=f'unknown key "{key}"'))
    raw_params = raw_step.get("params")
    if raw_params is None:
        raw_params = {}
    if not isinstance(raw_params, Mapping):
        raise RecipeError(_step_message(number, op=op, problem='"params" must be an object'))
    try:
        params = _params_validate(spec, raw_params=raw_params)
        if spec.check is not None:
            spec.check(**params)
    except (OpError, _BadValue) as error:
        raise RecipeError(_step_message(number, op=op, problem=str(error))) from error
    return Step(op=op, params=params)


def _params_validate(spec: OpSpec, *, raw_params: Mapping[Any, Any]) -> dict[str, ParamValue]:
    known = {param.name: param for param in spec.params}
    for name in raw_params:
        if name not in known:
            names = ", ".join(known) or "none"
            raise _BadValue(f'unknown parameter "{name}" (it takes: {names})')
    params: dict[str, ParamValue] = {}
    for param in spec.params:
        if param.name in raw_params:
            params[param.name] = _coerce(param, value=raw_params[param.name])
        elif param.default is None:
            raise _BadValue(f'"{param.name}" is required')
        else:
            params[param.name] = param.default
    return params


def _coerce(param: ParamSpec, *, value: object) -> ParamValue:
    match param.kind:
        case "int" | "float":
            return _coerce_number(param, value=value)
        case "bool":
            return _coerce_bool(param, value=value)
        case "choice":
            allowed = [choice for choice, _ in param.choices]
            if value not in allowed:
                raise _BadValue(f"{param.name} must be one of {', '.join(allowed)}, got {value!r}")
            return str(value)
        case "color":
            try:
                return color_hex(value if isinstance(value, str) else "")
            except ValueError:
                raise _BadValue(
                    f"{param.name} must be a colour like #ff8800, got {value!r}"
                ) from None
        case "text":
            return _coerce_text(param, value=value)
        case "image":
            if not isinstance(value, str) or not 0 < len(value) <= MAX_IMAGE_REF_LENGTH:
                raise _BadValue(f"{param.name} must be the id of one of your images")
            return value
    raise AssertionError(f"unhandled parameter kind {param.kind}")


def _coerce_number(param: ParamSpec, *, value: object) -> int | float:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise _BadValue(f"{param.name} must be a number, got {value!r}")
    if param.kind == "int":
        if not float(number).is_integer():
            raise _BadValue(f"{param.name} must be a whole number, got {value!r}")
        number = int(number)
    else:
        number = float(number)
    low = -math.inf if param.min is None else param.min
    high = math.inf if param.max is None else param.max
    if not low <= number <= high:
        raise _BadValue(f"{param.name} must be between {low:g} and {high:g}, got {number:g}")
    return number


def _coerce_bool(param: ParamSpec, *, value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str | int) else None
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise _BadValue(f"{param.name} must be true or false, got {value!r}")


def _coerce_text(param: ParamSpec, *, value: object) -> str:
    if not isinstance(value, str):
        raise _BadValue(f"{param.name} must be text, got {value!r}")
    shortest = int(param.min or 0)
    longest = int(param.max) if param.max is not None else None
    if len(value.strip()) < shortest:
        raise _BadValue(f"{param.name} cannot be empty")
    if longest is not None and len(value) > longest:
        raise _BadValue(f"{param.name} must be at most {longest} characters")
    return value


def _arguments(
    spec: OpSpec, *, step: Step, scale: float, resolve_image: ImageResolver | None
) -> dict[str, Any]:
    arguments: dict[str, Any] = dict(step.params)
    for param in spec.params:
        value = arguments[param.name]
        if param.in_pixels and scale != 1:
            arguments[param.name] = _scaled(value, kind=param.kind, scale=scale)
        elif param.kind == "image":
            if resolve_image is None:
                raise OpError(f"{spec.name}: this recipe uses another picture, none can be loaded")
            arguments[param.name] = resolve_image(str(value))
    return arguments


def _scaled(value: ParamValue, *, kind: str, scale: float) -> int | float:
    if kind == "int":
        # A non-zero length stays non-zero: 0 means "automatic" for resize.
        return 0 if value == 0 else max(1, round(float(value) * scale))
    return float(value) * scale


def _apply(spec: OpSpec, *, image: ImageArray, arguments: dict[str, Any]) -> ImageArray:
    if image.ndim == 3 and image.shape[2] == 4 and not spec.keeps_alpha:
        # Colour operations work on RGB; the alpha channel passes through untouched.
        colour = spec.fn(np.ascontiguousarray(image[:, :, :3]), **arguments)
        return np.dstack((colour, image[:, :, 3]))
    return spec.fn(image, **arguments)


def _step_message(number: int, *, op: str, problem: str) -> str:
    return f"step {number} ({op}): {problem.removeprefix(f'{op}: ')}"
