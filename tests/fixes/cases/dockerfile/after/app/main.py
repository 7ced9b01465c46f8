from fastapi import APIRouter, FastAPI

router = APIRouter(prefix="/api")
app = FastAPI()


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


app.include_router(router)
