"""Keeps connect links out of the log: Django names the path of a failed request, a link's secret."""

import logging
import re

LINK_PATH = re.compile(r"/connect/(?!callback/|choose/)[^/\s?'\"]+")


class MaskConnectLinks(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        masked = LINK_PATH.sub("/connect/<link>", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
