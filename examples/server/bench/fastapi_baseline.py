"""The FastAPI baseline of issue 18, item 16: the seed's backend, well cached.

Usage: python3 fastapi_baseline.py <log-dir>   (BENCH_TOKEN in the environment: the bearer token it accepts)

It reads the same trade-log day files as the example server (`trades_YYYYMMDD.jsonl`, one JSON object a line) and
serves, on 127.0.0.1 and a free port, with uvicorn (one worker, no access log):

- GET /api/trades?limit=100   the newest `limit` fills, newest first, each as stored (the same fields as ours);
- GET /api/performance        a headline summary: fills, round trips, wins, losses, fees, realized PnL, drawdown.

"Well cached", as a careful Python backend would be: each day file's parsed lines are kept in memory with the file's
mtime and size, and each answer is kept serialized with the fingerprints of the files it was computed from. A request
lists the directory, stats only the files its answer depends on (the newest ones for trades, every one for
performance) and sends the cached bytes when nothing changed. Money is summed with Decimal, never a float.

When it listens it prints its URL on stdout, then a line naming the versions, event loop and HTTP parser in use.
"""

import hmac
import json
import os
import socket
import sys
from decimal import Decimal

import fastapi
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response

LOG_DIR = sys.argv[1]
TOKEN = os.environ.get("BENCH_TOKEN", "").encode()
PREFIX, SUFFIX = "trades_", ".jsonl"

# path -> ((mtime_ns, size), fills newest first, lines that were not JSON)
day_files = {}
# limit -> (file names, ((name, fingerprint), ...) of the files read, body)
trades_answers = {}
# the one performance answer: (((name, fingerprint), ...) of every file, body)
performance_answer = None


def fingerprint(name):
    st = os.stat(os.path.join(LOG_DIR, name))
    return (st.st_mtime_ns, st.st_size)


def trade_files():
    """The trades day files, newest first (their names sort by day)."""
    return tuple(sorted((n for n in os.listdir(LOG_DIR) if n.startswith(PREFIX) and n.endswith(SUFFIX)), reverse=True))


def load(name):
    """A day file's fills, newest first, parsed again only when its mtime or size changed."""
    fp = fingerprint(name)
    cached = day_files.get(name)
    if cached is not None and cached[0] == fp:
        return cached
    fills, skipped = [], 0
    with open(os.path.join(LOG_DIR, name), "rb") as f:
        for line in f:
            if line.strip():
                try:
                    fills.append(json.loads(line))
                except ValueError:
                    skipped += 1
    fills.sort(key=lambda fill: fill.get("tsMs", 0), reverse=True)
    cached = (fp, fills, skipped)
    day_files[name] = cached
    return cached


def dumps(value):
    return json.dumps(value, separators=(",", ":")).encode()


def newest_trades(limit):
    names = trade_files()
    cached = trades_answers.get(limit)
    if cached is not None and cached[0] == names and all(fingerprint(n) == fp for n, fp in cached[1]):
        return cached[2]
    items, read, skipped = [], [], 0
    for name in names:
        fp, fills, bad = load(name)
        read.append((name, fp))
        skipped += bad
        items.extend(fills[: limit - len(items)])
        if len(items) >= limit:
            break
    body = dumps({"items": items, "skippedLines": skipped})
    trades_answers[limit] = (names, tuple(read), body)
    return body


def text(d):
    """A Decimal as trade-log writes amounts: plain notation, no trailing zeros."""
    s = format(d, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def summary(names):
    """Average-cost books per market; a round trip runs from flat to flat; drawdown of the realized PnL curve."""
    fills = []
    for name in reversed(names):
        fills.extend(reversed(load(name)[1]))
    fills.sort(key=lambda fill: fill["tsMs"])
    books, trips, first_price, last_price = {}, {}, {}, {}
    fees = realized = peak = max_dd = gross_win = gross_loss = Decimal(0)
    wins = losses = trade_count = 0
    for fill in fills:
        market, side = fill["market"], fill["side"]
        volume, funds, fee = Decimal(fill["volume"]), Decimal(fill["funds"]), Decimal(fill["fee"])
        first_price.setdefault(market, Decimal(fill["price"]))
        last_price[market] = Decimal(fill["price"])
        fees += fee
        held, cost = books.get(market, (Decimal(0), Decimal(0)))
        if side == "buy":
            if held == 0:
                trips[market] = Decimal(0)
            books[market] = (held + volume, cost + funds + fee)
            continue
        out = cost * volume / held if held > 0 else Decimal(0)
        delta = funds - fee - out
        held -= volume
        books[market] = (held, cost - out)
        realized += delta
        peak = max(peak, realized)
        max_dd = max(max_dd, peak - realized)
        if market in trips:
            trips[market] += delta
            if held <= 0:
                profit = trips.pop(market)
                trade_count += 1
                if profit > 0:
                    wins, gross_win = wins + 1, gross_win + profit
                elif profit < 0:
                    losses, gross_loss = losses + 1, gross_loss - profit
    return {
        "start": fills[0]["ts"] if fills else None,
        "end": fills[-1]["ts"] if fills else None,
        "fills": len(fills),
        "tradeCount": trade_count,
        "openTrades": len(trips),
        "wins": wins,
        "losses": losses,
        "draws": trade_count - wins - losses,
        "winRate": round(wins / trade_count, 8) if trade_count else None,
        "fees": text(fees),
        "realizedPnl": text(realized),
        "profitFactor": round(float(gross_win / gross_loss), 8) if gross_loss else None,
        "maxDrawdown": {"absolute": text(max_dd)},
        "buyAndHoldReturn": {m: round(float(last_price[m] / first_price[m] - 1), 8) for m in first_price},
    }


def performance():
    global performance_answer
    names = trade_files()
    key = tuple((n, fingerprint(n)) for n in names)
    if performance_answer is not None and performance_answer[0] == key:
        return performance_answer[1]
    body = dumps(summary(names))
    performance_answer = (key, body)
    return body


async def require_token(request: Request):
    given = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(given, b"Bearer " + TOKEN):
        raise HTTPException(status_code=401, detail="missing or wrong bearer token")


app = FastAPI()


@app.get("/api/trades", dependencies=[Depends(require_token)])
async def get_trades(limit: int = Query(100, ge=1, le=1000)):
    return Response(content=newest_trades(limit), media_type="application/json")


@app.get("/api/performance", dependencies=[Depends(require_token)])
async def get_performance():
    return Response(content=performance(), media_type="application/json")


def importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    # uvicorn[standard]'s fast parts when installed (Debian: python3-uvloop, python3-httptools), as one deploys it.
    # BENCH_UVICORN=plain: the pure-Python asyncio loop and h11 parser (`pip install uvicorn` without [standard]).
    fast = os.environ.get("BENCH_UVICORN") != "plain"
    loop = "uvloop" if fast and importable("uvloop") else "asyncio"
    http = "httptools" if fast and importable("httptools") else "h11"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    print(f"fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, loop {loop}, http {http}", flush=True)
    config = uvicorn.Config(app, workers=1, loop=loop, http=http, access_log=False, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])
