import json

import not_a_real_package
from app import missing_module


def load(text: str) -> dict:
    try:
        return json.loads(text)
    except Exception:
        return {}


def total(values: list[int]) -> str:
    return sum(values)
