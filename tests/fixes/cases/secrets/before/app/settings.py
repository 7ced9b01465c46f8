"""Settings for the service."""
from openai import OpenAI
from pydantic_settings import BaseSettings

OPENAI_API_KEY = "<<OpenAI project key>>"
GITHUB_TOKEN = "<<GitHub token>>"  # for the prompts repository

client = OpenAI(api_key="<<sk- secret key (OpenAI-compatible provider)>>")


class Settings(BaseSettings):
    db_password: str = "<<password>>"
    pool_size: int = 5


def headers():
    return {"Authorization": "Bearer <<token>>", "Accept": "application/json"}


def dsn():
    password = "<<password>>"
    return f"postgresql://app:{password}@db:5432/app"


def connect(host: str, password: str = "<<password>>"):
    return host, password
