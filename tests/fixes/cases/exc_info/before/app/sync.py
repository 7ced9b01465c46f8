import logging

import structlog
from loguru import logger as lg

logger = logging.getLogger(__name__)
log = structlog.get_logger()


def sync(batch):
    try:
        batch.push()
    except TimeoutError:
        log.warning("push_timed_out", batch=batch.id)
    except ConnectionError:
        lg.warning("push failed")
    except OSError as exc:
        logger.error("spool failed for %s: %s", batch.id, exc)
    except ValueError as exc:
        logger.error("bad batch %s: %s", batch.id, exc)
        raise
    except Exception:
        log.error("push_failed", exc_info=False)
        logging.log(logging.ERROR, "push failed")
        batch.failed = True
