/**
 * The dashboard's charts, drawn with lightweight-charts: candlesticks with buy/sell markers for price (what traders
 * expect), an area for equity and a histogram for daily PnL, the three kept on one time range (moving or zooming
 * the price chart moves the others). Values are plotted as numbers; the API's decimal strings stay exact.
 */
import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts'
import type { CandleBar, DailyRow, EquityPoint, FillMarker } from '../src/api-types.js'
import { money } from './format.js'

const UP = '#22c55e'
const DOWN = '#f43f5e'

const seconds = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp

function baseChart(el: HTMLElement, quote: string): IChartApi {
  return createChart(el, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: 'transparent' },
      textColor: '#8a97b4',
      fontFamily: 'system-ui, sans-serif',
      attributionLogo: true,
    },
    grid: { vertLines: { color: 'rgba(36,49,80,0.45)' }, horzLines: { color: 'rgba(36,49,80,0.45)' } },
    rightPriceScale: { borderColor: 'rgba(36,49,80,0.9)' },
    timeScale: { borderColor: 'rgba(36,49,80,0.9)', timeVisible: true, secondsVisible: false, rightOffset: 2 },
    localization: { priceFormatter: (value: number) => money(value, quote) },
    handleScale: { axisPressedMouseMove: { time: true, price: false } },
  })
}

/** What the browser test reads back: points drawn and the visible time range, as data attributes. */
function expose(el: HTMLElement, chart: IChartApi, points: () => number) {
  const write = () => {
    el.dataset['points'] = String(points())
    const range = chart.timeScale().getVisibleRange()
    if (range) {
      el.dataset['from'] = String(range.from)
      el.dataset['to'] = String(range.to)
    }
  }
  chart.timeScale().subscribeVisibleTimeRangeChange(write)
  return write
}

export interface PriceChart {
  chart: IChartApi
  /** Replaces the candles and the fill markers. */
  set(candles: readonly CandleBar[], fills: readonly FillMarker[], intervalMs: number): void
  /** A price the bot just logged: extends the newest candle or opens the next one (never a point per fill). */
  tick(tsMs: number, price: string, bucket: number): void
  /** A fill just logged: a marker on its candle. */
  fill(fill: FillMarker, bucket: number): void
  readonly count: number
}

export function priceChart(el: HTMLElement, quote: string): PriceChart {
  const chart = baseChart(el, quote)
  const series: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, {
    upColor: UP,
    downColor: DOWN,
    borderVisible: false,
    wickUpColor: UP,
    wickDownColor: DOWN,
  })
  const markers: ISeriesMarkersPluginApi<Time> = createSeriesMarkers(series, [])
  let bars: { time: UTCTimestamp; open: number; high: number; low: number; close: number }[] = []
  let marks: SeriesMarker<Time>[] = []
  const write = expose(el, chart, () => bars.length)
  const marker = (fill: FillMarker, bucket: number): SeriesMarker<Time> =>
    fill.side === 'buy'
      ? { time: seconds(bucket), position: 'belowBar', color: UP, shape: 'arrowUp', text: 'B' }
      : { time: seconds(bucket), position: 'aboveBar', color: DOWN, shape: 'arrowDown', text: 'S' }
  const showLast = () => {
    const last = bars.at(-1)
    el.dataset['lastClose'] = last ? String(last.close) : ''
    write()
  }
  return {
    chart,
    set(candles, fills, intervalMs) {
      bars = candles.map((c) => ({
        time: seconds(c.time),
        open: Number(c.open),
        high: Number(c.high),
        low: Number(c.low),
        close: Number(c.close),
      }))
      series.setData(bars)
      marks = fills.map((fill) => marker(fill, fill.tsMs - (((fill.tsMs % intervalMs) + intervalMs) % intervalMs)))
      markers.setMarkers(marks)
      chart.timeScale().fitContent()
      showLast()
    },
    tick(_tsMs, price, bucket) {
      const value = Number(price)
      const time = seconds(bucket)
      const last = bars.at(-1)
      if (last && last.time === time) {
        last.high = Math.max(last.high, value)
        last.low = Math.min(last.low, value)
        last.close = value
        series.update({ ...last })
      } else if (!last || time > last.time) {
        const bar = { time, open: value, high: value, low: value, close: value }
        bars.push(bar)
        series.update(bar)
      }
      showLast()
    },
    fill(fill, bucket) {
      marks = [...marks, marker(fill, bucket)]
      markers.setMarkers(marks)
    },
    get count() {
      return bars.length
    },
  }
}

export interface SeriesChart {
  chart: IChartApi
  set(points: readonly { time: UTCTimestamp; value: number; color?: string }[]): void
  add(point: { time: UTCTimestamp; value: number }): void
}

function dedupe<T extends { time: UTCTimestamp }>(points: readonly T[]): T[] {
  // lightweight-charts needs strictly increasing times: keep the last value of a second.
  const out: T[] = []
  for (const point of points) {
    if (out.length > 0 && out.at(-1)!.time === point.time) out[out.length - 1] = point
    else if (out.length === 0 || point.time > out.at(-1)!.time) out.push(point)
  }
  return out
}

/** One line-like series that follows its container, with the data attributes the browser test reads. */
function seriesChart(
  el: HTMLElement,
  quote: string,
  addSeries: (chart: IChartApi) => ISeriesApi<'Area' | 'Histogram'>,
): SeriesChart {
  const chart = baseChart(el, quote)
  const series = addSeries(chart)
  let count = 0
  const write = expose(el, chart, () => count)
  return {
    chart,
    set(points) {
      const data = dedupe(points)
      count = data.length
      series.setData(data)
      write()
    },
    add(point) {
      series.update(point)
      count += 1
      write()
    },
  }
}

export const equityChart = (el: HTMLElement, quote: string): SeriesChart =>
  seriesChart(el, quote, (chart) =>
    chart.addSeries(AreaSeries, {
      lineColor: '#5b8cff',
      topColor: 'rgba(91,140,255,0.28)',
      bottomColor: 'rgba(91,140,255,0.02)',
      lineWidth: 2,
    }),
  )

export const dailyChart = (el: HTMLElement, quote: string): SeriesChart =>
  seriesChart(el, quote, (chart) => chart.addSeries(HistogramSeries, { priceLineVisible: false }))

export const equityPoints = (points: readonly EquityPoint[]) =>
  points.map((point) => ({ time: seconds(point.tsMs), value: Number(point.total) }))

export const dailyBars = (days: readonly DailyRow[]) =>
  days.map((day) => {
    const value = Number(day.pnl)
    return { time: seconds(Date.parse(`${day.date}T00:00:00Z`)), value, color: value >= 0 ? UP : DOWN }
  })

/**
 * Keeps `followers` on the leader's visible time range: the equity and daily PnL charts show the period the price
 * chart shows, whatever the user zooms to.
 */
export function syncTimeRange(leader: IChartApi, followers: IChartApi[]) {
  const follow = () => {
    const range = leader.timeScale().getVisibleRange()
    if (!range) return
    for (const chart of followers) {
      try {
        chart.timeScale().setVisibleRange(range)
      } catch {
        // A follower with no data yet has no time scale to move.
      }
    }
  }
  leader.timeScale().subscribeVisibleTimeRangeChange(follow)
  return follow
}
