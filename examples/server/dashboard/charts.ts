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
  type IRange,
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

/** What the browser test reads back: points drawn and the visible range (times and bar indexes), as data attributes. */
function expose(el: HTMLElement, chart: IChartApi, points: () => number) {
  const write = () => {
    el.dataset['points'] = String(points())
    const range = chart.timeScale().getVisibleRange()
    if (range) {
      el.dataset['from'] = String(range.from)
      el.dataset['to'] = String(range.to)
    }
    // In bar indexes: the newest bar (index points - 1) is drawn whole when this reaches half a bar past it.
    const logical = chart.timeScale().getVisibleLogicalRange()
    if (logical) el.dataset['logicalTo'] = String(logical.to)
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
  /** Shows the period `range` covers (the price chart's visible range). */
  show(range: IRange<Time>): void
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

/** Index of the last of `times` (ascending) at or before `time`, or -1. */
function lastAtOrBefore(times: readonly number[], time: number): number {
  let low = 0
  let high = times.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (times[middle]! <= time) low = middle + 1
    else high = middle
  }
  return low - 1
}

/**
 * One line-like series that follows its container, with the data attributes the browser test reads. `wholeBars`:
 * each point is a bar standing for the period from its time (a day), so the range shown starts at the bar holding
 * its start and ends half a bar past the bar holding its end; setVisibleRange would cut both edge bars in half.
 */
function seriesChart(
  el: HTMLElement,
  quote: string,
  addSeries: (chart: IChartApi) => ISeriesApi<'Area' | 'Histogram'>,
  wholeBars = false,
): SeriesChart {
  const chart = baseChart(el, quote)
  const series = addSeries(chart)
  let times: number[] = []
  const write = expose(el, chart, () => times.length)
  return {
    chart,
    set(points) {
      const data = dedupe(points)
      times = data.map((point) => point.time)
      series.setData(data)
      write()
    },
    add(point) {
      series.update(point)
      if (point.time > (times.at(-1) ?? Number.NEGATIVE_INFINITY)) times.push(point.time)
      write()
    },
    show(range) {
      if (times.length === 0) return // no data yet: no time scale to move
      if (!wholeBars) {
        chart.timeScale().setVisibleRange(range)
        return
      }
      const from = Math.max(0, lastAtOrBefore(times, range.from as number))
      const to = Math.max(from, lastAtOrBefore(times, range.to as number))
      chart.timeScale().setVisibleLogicalRange({ from: from - 0.5, to: to + 0.5 })
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
  seriesChart(el, quote, (chart) => chart.addSeries(HistogramSeries, { priceLineVisible: false }), true)

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
export function syncTimeRange(leader: IChartApi, followers: SeriesChart[]) {
  const follow = () => {
    const range = leader.timeScale().getVisibleRange()
    if (!range) return
    for (const chart of followers) chart.show(range)
  }
  leader.timeScale().subscribeVisibleTimeRangeChange(follow)
  return follow
}
