"""Every failure as a page in Chinese (or a JSON error under /api/), never a traceback.

An index that is missing or being rebuilt answers 503 with how to build it; HTTP errors
(404, 405…) get their own short message; anything unexpected is logged and answers a
plain 500 page.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from indexer import IndexUnavailable

TITLES = {
    400: "请求无法读取",
    404: "找不到该页面",
    405: "不支持该请求方式",
    500: "服务器内部错误",
    503: "索引暂不可用",
}
DEFAULT_MESSAGES = {
    404: "地址有误，或该报告不在索引中。",
    405: "此地址只接受浏览（GET）。",
    500: "处理请求时出错，已记录在服务器日志中。请稍后重试。",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _answer(status: int, message: str, **extra: object) -> tuple[Response | str, int]:
    if _wants_json():
        return {"error": message}, status  # type: ignore[return-value]
    title = TITLES.get(status, f"错误 {status}")
    return render_template(
        "error.html", status=status, title=title, message=message, **extra
    ), status


def register(app: Flask) -> None:
    @app.errorhandler(IndexUnavailable)
    def index_unavailable(error: IndexUnavailable):
        current_app.logger.warning("index unavailable: %s", error)
        config = current_app.config
        command = (
            f"fazhi-index update --archive {config['ARCHIVE_DIR']} --index {config['INDEX_DIR']}"
        )
        return _answer(
            503,
            "索引正在建立，或尚未建立。请稍后刷新；若一直如此，请运行下面的命令建立索引。",
            command=command,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        # Our own aborts carry a Chinese description; Werkzeug's defaults are English.
        own = error.description if error.description != type(error).description else None
        return _answer(
            status, own or DEFAULT_MESSAGES.get(status, TITLES.get(status, "请求无法处理。"))
        )

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        current_app.logger.exception("unexpected error on %s", request.path)
        return _answer(500, DEFAULT_MESSAGES[500])
