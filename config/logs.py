"""LIUZHENG_LOG_FORMAT=json: one JSON object a line, for journald, Loki or any log shipper.

Only what the record says: time, level, logger, message (already free of case data: our
loggers name ids, never contents), and the exception's traceback when there is one."""
import json
import logging
from datetime import datetime, timezone


class JsonFormatter(logging.Formatter):
    def format(self, record):
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        for extra in ("status_code", "request_id"):
            if hasattr(record, extra):
                out[extra] = getattr(record, extra)
        return json.dumps(out, ensure_ascii=False, default=str)
