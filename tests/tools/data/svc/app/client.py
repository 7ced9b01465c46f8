"""A small service module with the problems the tool adapters must report."""

import subprocess
import time

import requests

DB_PASSWORD = "hunter2"


def fetch(url: str) -> str:
    response = requests.get(url)
    return response.text


def fetch_insecure(url: str) -> int:
    return requests.get(url, timeout=5, verify=False).status_code


def login(user: str, password: str = "hunter2") -> bool:
    print("login", user)
    return password == DB_PASSWORD


def run(cmd: str) -> None:
    subprocess.call(cmd, shell=True)


async def slow() -> None:
    time.sleep(1)


def name_length(names: dict[str, str], key: str) -> int:
    value = names.get(key)
    return len(value.upper())
