"""Charts of the analytics figures, drawn with Matplotlib. No Django, no pyplot.

Each chart is a `matplotlib.figure.Figure` of its own (pyplot's global figure state is not safe
across the threads of a web or worker process). The default output is SVG with real text:
sharp on any screen density, a few tens of KB for bar charts, selectable and searchable text,
and no raster at 100 dpi that blurs on high-density displays. PNG (Agg, 100 dpi, 800 x 450 px)
is there for places that cannot show SVG, such as e-mail.
"""

import io
import threading
from collections.abc import Callable
from typing import Any, Literal

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm, Normalize
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from analytics.figures import ROLLING_DAYS, Figures, Table

ImageFormat = Literal["svg", "png"]

SIZE_INCHES = (8.0, 4.5)
DPI = 100
TOP_ROWS = 15
BLUE, ORANGE, RED, GREY = "#3b6ea5", "#e08a2c", "#c0392b", "#9aa5b1"
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, NOTE_SIZE = 14, 11, 10, 9

TITLES = {
    "uploads_per_day": "Uploads per day",
    "formats": "Image formats",
    "file_sizes": "File sizes",
    "dimensions": "Image dimensions",
    "processing_times": "Processing time per operation",
    "failure_rates": "Failure rate per operation",
    "labels": "Most frequent objects",
    "cameras": "Cameras",
    "taken_hours": "Photos by hour of day",
    "scrape_sources": "Images imported per web source",
}

# rcParams are process-wide; the two that SVG output reads are set under this lock only
_RC_LOCK = threading.Lock()
_SVG_RC: dict[RcKeyType, Any] = {"svg.fonttype": "none", "svg.hashsalt": "imagesite-analytics"}


def render_charts(figures: Figures, *, image_format: ImageFormat = "svg") -> dict[str, bytes]:
    """One chart per table that has rows, keyed by table name; {} for an empty library."""
    if figures["empty"]:
        return {}
    charts: dict[str, bytes] = {}
    for name, draw in DRAWERS.items():
        table = figures["tables"].get(name)
        if table is None or not table["rows"]:
            continue
        figure = _figure()
        ax = figure.add_subplot()
        draw(ax, _frame(table))
        ax.set_title(TITLES[name], fontsize=TITLE_SIZE, loc="left", pad=10)
        charts[name] = _save(figure, image_format)
    return charts


def _figure() -> Figure:
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    figure.set_facecolor("white")
    return figure


def _frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame(table["rows"], columns=table["columns"])


def _save(figure: Figure, image_format: ImageFormat) -> bytes:
    buffer = io.BytesIO()
    if image_format == "svg":
        with _RC_LOCK, matplotlib.rc_context(_SVG_RC):
            figure.savefig(buffer, format="svg", metadata={"Date": None})
    else:
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _style(ax: Axes, *, xlabel: str, ylabel: str) -> None:
    ax.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="both", color="#e5e8eb", linewidth=0.8)
    ax.set_axisbelow(True)


def _legend_top_right(ax: Axes) -> None:
    """Beside the left-aligned title, where it can hide no data."""
    ax.legend(
        fontsize=NOTE_SIZE,
        frameon=False,
        loc="lower right",
        bbox_to_anchor=(1, 1),
        ncols=2,
        borderaxespad=0.2,
    )


def _short(text: str, length: int = 38) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _thousands(value: float, _position: int | None = None) -> str:
    return f"{value:,.0f}"


def _hbars(
    ax: Axes,
    names: pd.Series,
    values: pd.Series,
    notes: list[str],
    *,
    xlabel: str,
    color: str = BLUE,
    counts: bool = True,
) -> None:
    """Horizontal bars, largest on top, each with a note: inside a long bar, after a short one."""
    names, values = names.iloc[:TOP_ROWS][::-1], values.iloc[:TOP_ROWS][::-1]
    positions = np.arange(len(names))
    ax.barh(positions, values, color=color, height=0.7)
    ax.set_yticks(positions, [_short(str(name)) for name in names])
    longest = max(float(values.max()), 1e-9)
    for position, value, note in zip(positions, values, notes[:TOP_ROWS][::-1], strict=True):
        inside = value >= 0.6 * longest
        ax.annotate(
            note,
            (value, position),
            xytext=(-5 if inside else 4, 0),
            textcoords="offset points",
            va="center",
            ha="right" if inside else "left",
            fontsize=NOTE_SIZE,
            color="white" if inside else "#333333",
        )
    ax.set_xlim(0, longest * 1.04)
    if counts:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    _style(ax, xlabel=xlabel, ylabel="")
    ax.grid(axis="y", visible=False)


def _uploads_per_day(ax: Axes, table: pd.DataFrame) -> None:
    days = pd.to_datetime(table["date"])
    if len(days) <= 120:
        ax.bar(days, table["images"], width=0.85, color=GREY, label="Images uploaded")
    else:
        ax.fill_between(
            days, table["images"], step="mid", color=GREY, linewidth=0, label="Images uploaded"
        )
    ax.plot(
        days,
        table[f"images_{ROLLING_DAYS}d_mean"],
        color=BLUE,
        linewidth=2.2,
        label=f"{ROLLING_DAYS}-day mean",
    )
    if len(days) < 7:  # a few bars would stretch over the whole axis: show a week at least
        ax.set_xlim(days.max() - pd.Timedelta(days=7), days.max() + pd.Timedelta(days=1))
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    _legend_top_right(ax)
    _style(ax, xlabel="Day (UTC)", ylabel="Images per day")


def _formats(ax: Axes, table: pd.DataFrame) -> None:
    # bars, not a pie: lengths compare better than angles, and small shares stay readable
    notes = [
        f"{pct:g} % · {_bytes(size)}"
        for pct, size in zip(table["images_pct"], table["bytes"], strict=True)
    ]
    _hbars(ax, table["format"], table["images"], notes, xlabel="Images")


def _file_sizes(ax: Axes, table: pd.DataFrame) -> None:
    edges = [*table["size_from_mb"], table["size_to_mb"].iloc[-1]]
    ax.stairs(table["images"], edges, fill=True, color=BLUE)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _style(ax, xlabel="File size (MB, log scale)", ylabel="Images")


def _dimensions(ax: Axes, table: pd.DataFrame) -> None:
    step = _cell_step(table)
    widths = np.arange(0, table["width_from_px"].max() + 2 * step, step)
    heights = np.arange(0, table["height_from_px"].max() + 2 * step, step)
    grid = np.zeros((len(heights) - 1, len(widths) - 1))
    for width, height, images in table[["width_from_px", "height_from_px", "images"]].itertuples(
        index=False
    ):
        grid[int(height // step), int(width // step)] += images
    logarithmic = grid.max() >= 50
    norm = LogNorm(vmin=1, vmax=grid.max()) if logarithmic else Normalize(vmin=0, vmax=grid.max())
    mesh = ax.pcolormesh(
        widths, heights, np.ma.masked_equal(grid, 0), cmap="viridis", norm=norm, rasterized=True
    )  # one small bitmap in the SVG, not a path per cell
    colorbar = ax.figure.colorbar(mesh, ax=ax)
    colorbar.set_label("Images" + (" (log scale)" if logarithmic else ""), fontsize=LABEL_SIZE)
    colorbar.ax.tick_params(labelsize=TICK_SIZE)
    colorbar.ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    if not logarithmic:
        colorbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_aspect("equal", adjustable="box")
    _style(ax, xlabel="Width (px)", ylabel="Height (px)")


def _cell_step(table: pd.DataFrame) -> int:
    values = np.concatenate([table["width_from_px"], table["height_from_px"]])
    steps = np.diff(np.unique(np.concatenate([[0], values])))
    return int(steps.min()) if len(steps) else 250


def _processing_times(ax: Axes, table: pd.DataFrame) -> None:
    table = table.sort_values("median_ms")
    positions = np.arange(len(table))
    ax.barh(positions + 0.2, table["median_ms"], height=0.4, color=BLUE, label="Median")
    ax.barh(positions - 0.2, table["p95_ms"], height=0.4, color=ORANGE, label="95th percentile")
    ax.set_yticks(positions, [_short(str(kind)) for kind in table["kind"]])
    low, high = table["median_ms"].min(), table["p95_ms"].max()
    if low and high / low > 50:
        ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    for position, p50, p95 in zip(positions, table["median_ms"], table["p95_ms"], strict=True):
        ax.annotate(
            f"{p50:,.0f} / {p95:,.0f} ms",
            (p95, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=NOTE_SIZE,
        )
    ax.set_xlim(right=high * (4 if ax.get_xscale() == "log" else 1.3))  # room for the notes
    _legend_top_right(ax)
    _style(ax, xlabel="Time (ms" + (", log scale)" if ax.get_xscale() == "log" else ")"), ylabel="")
    ax.grid(axis="y", visible=False)


def _failure_rates(ax: Axes, table: pd.DataFrame) -> None:
    table = table.sort_values(["failure_pct", "kind"], ascending=[False, True])
    notes = [
        f"{pct:g} % ({failed:,} of {finished:,})"
        for pct, failed, finished in zip(
            table["failure_pct"], table["failed"], table["finished"], strict=True
        )
    ]
    _hbars(
        ax,
        table["kind"],
        table["failure_pct"],
        notes,
        xlabel="Failed jobs (% of finished)",
        color=RED,
        counts=False,
    )
    ax.set_xlim(0, max(1.0, float(table["failure_pct"].max()) * 1.15))  # no failures: 0..1 %
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g} %"))


def _labels(ax: Axes, table: pd.DataFrame) -> None:
    notes = [
        f"{count:,} ({pct:g} %)"
        for count, pct in zip(table["detections"], table["detections_pct"], strict=True)
    ]
    _hbars(ax, table["label"], table["detections"], notes, xlabel="Detections")


def _cameras(ax: Axes, table: pd.DataFrame) -> None:
    notes = [
        f"{count:,} ({pct:g} %)"
        for count, pct in zip(table["images"], table["images_pct"], strict=True)
    ]
    _hbars(ax, table["camera"], table["images"], notes, xlabel="Images")


def _taken_hours(ax: Axes, table: pd.DataFrame) -> None:
    ax.bar(table["hour"], table["images"], width=0.8, color=BLUE)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlim(-0.7, 23.7)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    _style(ax, xlabel="Hour of day taken (UTC, as stored)", ylabel="Photos")
    ax.grid(axis="x", visible=False)


def _scrape_sources(ax: Axes, table: pd.DataFrame) -> None:
    notes = [
        f"{imported:,} · {runs:,} runs" + (f", {failed:,} failed" if failed else "")
        for imported, runs, failed in zip(
            table["images_imported"], table["runs"], table["failed_runs"], strict=True
        )
    ]
    _hbars(ax, table["source"], table["images_imported"], notes, xlabel="Images imported")


def _bytes(size: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size:.0f} B"


DRAWERS: dict[str, Callable[[Axes, pd.DataFrame], Any]] = {
    "uploads_per_day": _uploads_per_day,
    "formats": _formats,
    "file_sizes": _file_sizes,
    "dimensions": _dimensions,
    "processing_times": _processing_times,
    "failure_rates": _failure_rates,
    "labels": _labels,
    "cameras": _cameras,
    "taken_hours": _taken_hours,
    "scrape_sources": _scrape_sources,
}
