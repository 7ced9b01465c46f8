import os

VECTOR_DB_API_KEY = os.getenv("VECTOR_DB_API_KEY", "<<password>>")
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "changeme")
SERVICE_TOKEN = os.getenv("SERVICE_TOKEN") or "<<token>>"
