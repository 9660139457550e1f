"""Keeps connect links out of the log: Django names the path of a failed request, a link's secret."""

import logging
import re

LINK_PATH = re.compile(r"/connect/(?!callback/|choose/)[^/\s?'\"]+")
# The development server logs whole request lines: a callback's query holds a code and a state.
CALLBACK_QUERY = re.compile(r"(/connect/callback/[^/\s?]*/?)\?[^\s'\"]*")


class MaskConnectLinks(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        masked = CALLBACK_QUERY.sub(r"\1?<query>", LINK_PATH.sub("/connect/<link>", message))
        if masked != message:
            record.msg, record.args = masked, ()
        return True
