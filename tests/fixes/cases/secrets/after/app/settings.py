"""Settings for the service."""
import os

from openai import OpenAI
from pydantic_settings import BaseSettings

OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]  # for the prompts repository

client = OpenAI(api_key=os.environ["SETTINGS_OPENAI_API_KEY"])


class Settings(BaseSettings):
    db_password: str
    pool_size: int = 5


def headers():
    return {"Authorization": "Bearer " + os.environ["RERANKER_TOKEN"], "Accept": "application/json"}


def dsn():
    password = os.environ["PASSWORD"]
    return f"postgresql://app:{password}@db:5432/app"


def connect(host: str, password: str = "<<password>>"):
    return host, password
