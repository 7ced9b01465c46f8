import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

shared = requests.Session()
shared.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 502, 503, 504))))
shared.mount("http://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 502, 503, 504))))


class VectorStore:
    def __init__(self):
        self.session = requests.Session()
        self.session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 502, 503, 504))))
        self.session.mount("http://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 502, 503, 504))))
        # documents come from the docs API
        self.base = "https://docs.example.com"

    def document(self, doc_id):
        return self.session.get(f"{self.base}/documents/{doc_id}", timeout=5).json()

    def tags(self, doc_id):
        return self.session.get(f"{self.base}/documents/{doc_id}/tags", timeout=5).json()


def ping():
    return shared.head("https://docs.example.com/health", timeout=2).ok


def export(ids):
    with requests.Session() as s:
        s.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 502, 503, 504))))
        s.mount("http://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 502, 503, 504))))
        s.headers["Accept"] = "application/json"
        return [s.get(f"https://docs.example.com/export/{i}", timeout=5).json() for i in ids]


def notify(event):
    requests.post("https://hooks.example.com/events", json=event, timeout=5)
