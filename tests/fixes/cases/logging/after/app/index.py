import logging

import structlog
from loguru import logger as loguru_logger

logger = logging.getLogger(__name__)
log = structlog.get_logger()


def index(doc_id: str, chunks: int, seconds: float) -> None:
    logger.info("indexed %s in %.2fs (100%% done)", doc_id, seconds)
    logger.warning("slow index of %s", doc_id)
    logger.warning("slow index of %s after %d chunks", doc_id, chunks)
    logging.error("index failed for %s: %r", doc_id, chunks)
    logger.log(logging.DEBUG, "chunks: %s", chunks, extra={"doc": doc_id})
    logger.info(
        "finished %s",
        doc_id,
        exc_info=False,
    )
    loguru_logger.info("done {} ({} chunks)", doc_id, chunks)
    log.info(f"started {doc_id}")
