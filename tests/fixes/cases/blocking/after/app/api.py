import asyncio
import subprocess
import time

import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/weather")
async def weather(city: str) -> dict:
    response = await asyncio.to_thread(requests.get, "https://api.example.com/weather", params={"q": city}, timeout=5)
    await asyncio.sleep(0.5)
    return response.json()


@app.get("/status")
async def status(job: str) -> dict:
    return (await asyncio.to_thread(requests.get, f"https://jobs.example.com/{job}", timeout=5)).json()


@app.post("/reindex")
async def reindex() -> dict:
    await asyncio.to_thread(subprocess.run, ["python", "-m", "app.reindex"], check=True)
    with open("prompts/system.txt") as handle:
        prompt = handle.read()
    return {"prompt": prompt}
