import logging

import structlog
from loguru import logger as loguru_logger

logger = logging.getLogger(__name__)
log = structlog.get_logger()


def index(doc_id: str, chunks: int, seconds: float) -> None:
    logger.info(f"indexed {doc_id} in {seconds:.2f}s (100% done)")
    logger.warning("slow index of %s" % doc_id)
    logger.warning("slow index of %s after %d chunks" % (doc_id, chunks))
    logging.error("index failed for {}: {!r}".format(doc_id, chunks))
    logger.log(logging.DEBUG, "chunks: " + str(chunks), extra={"doc": doc_id})
    logger.info(
        f"finished {doc_id}",
        exc_info=False,
    )
    loguru_logger.info(f"done {doc_id} ({chunks} chunks)")
    log.info(f"started {doc_id}")
