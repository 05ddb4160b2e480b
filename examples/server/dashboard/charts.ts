import uPlot from 'uplot'
import { money } from './format.js'

const AXIS = { stroke: '#8a97b4', grid: { stroke: 'rgba(36,49,80,0.55)', width: 1 }, ticks: { stroke: 'rgba(36,49,80,0.9)' } }

function sizeOf(el: HTMLElement) {
  return { width: Math.max(320, el.clientWidth), height: Math.max(200, el.clientHeight || 240) }
}

function moneyAxis(quote: string): uPlot.Axis {
  return {
    ...AXIS,
    size: 80,
    values: (_u, splits) => splits.map((value) => compact(value, quote)),
  }
}

function compact(value: number, quote: string): string {
  const abs = Math.abs(value)
  const sign = value < 0 ? '−' : ''
  const symbol = quote === 'KRW' ? '₩' : ''
  if (abs >= 1e9) return `${sign}${symbol}${(abs / 1e9).toFixed(2)}B`
  if (abs >= 1e6) return `${sign}${symbol}${(abs / 1e6).toFixed(2)}M`
  if (abs >= 1e3) return `${sign}${symbol}${(abs / 1e3).toFixed(1)}k`
  return `${sign}${symbol}${abs.toFixed(0)}`
}

/** A chart that follows its container's width. */
export interface Chart {
  plot: uPlot
  setData(data: uPlot.AlignedData): void
}

function mount(el: HTMLElement, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): Chart {
  const plot = new uPlot({ ...options, ...sizeOf(el) }, data, el)
  new ResizeObserver(() => plot.setSize(sizeOf(el))).observe(el)
  return {
    plot,
    setData(next) {
      plot.setData(next)
      el.dataset['points'] = String(next[0]?.length ?? 0)
    },
  }
}

export function equityChart(el: HTMLElement, quote: string): Chart {
  return mount(
    el,
    {
      scales: { x: { time: true } },
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      axes: [AXIS, moneyAxis(quote)],
      series: [
        {},
        {
          label: 'Equity',
          stroke: '#5b8cff',
          width: 2,
          fill: 'rgba(91,140,255,0.14)',
          value: (_u, value) => (value === null ? '–' : money(value, quote)),
        },
      ],
    },
    [[], []],
  )
}

/** Price line with buy (green, up) and sell (red, down) markers as point-only series. */
export function priceChart(el: HTMLElement, quote: string): Chart {
  const marker = (color: string) => ({
    stroke: color,
    fill: color,
    width: 0,
    paths: () => null,
    points: { show: true, size: 9, stroke: color, fill: color, width: 1 },
  })
  return mount(
    el,
    {
      scales: { x: { time: true } },
      axes: [AXIS, moneyAxis(quote)],
      series: [
        {},
        { label: 'Price', stroke: '#c7d2fe', width: 1.5, value: (_u, v) => (v === null ? '–' : money(v, quote)) },
        { label: 'Buy', ...marker('#22c55e'), value: (_u, v) => (v === null ? '–' : money(v, quote)) },
        { label: 'Sell', ...marker('#f43f5e'), value: (_u, v) => (v === null ? '–' : money(v, quote)) },
      ],
    },
    [[], [], [], []],
  )
}

export function dailyChart(el: HTMLElement, quote: string): Chart {
  const bars = uPlot.paths.bars?.({ size: [0.7, 40] })
  return mount(
    el,
    {
      scales: { x: { time: true } },
      axes: [AXIS, moneyAxis(quote)],
      series: [
        {},
        {
          label: 'PnL',
          width: 0,
          ...(bars ? { paths: bars } : {}),
          points: { show: false },
          // Colour each bar by sign: uPlot calls fill with the series index; a gradient keyed at zero does it.
          fill: (u: uPlot) => {
            const zero = u.valToPos(0, 'y', true)
            const ctx = u.ctx
            const gradient = ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height)
            const stop = Math.min(1, Math.max(0, (zero - u.bbox.top) / u.bbox.height))
            gradient.addColorStop(0, '#22c55e')
            gradient.addColorStop(stop, '#22c55e')
            gradient.addColorStop(stop, '#f43f5e')
            gradient.addColorStop(1, '#f43f5e')
            return gradient
          },
          value: (_u, v) => (v === null ? '–' : money(v, quote)),
        },
      ],
    },
    [[], []],
  )
}
