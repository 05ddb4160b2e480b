import uPlot from 'uplot'
import { money } from './format.js'

const AXIS = { stroke: '#8a97b4', grid: { stroke: 'rgba(36,49,80,0.55)', width: 1 }, ticks: { stroke: 'rgba(36,49,80,0.9)' } }

/** Width follows the card; height is fixed per chart (reading it back from the element would grow forever). */
function sizeOf(el: HTMLElement, height: number) {
  return { width: Math.max(320, el.clientWidth), height }
}

function moneyAxis(quote: string): uPlot.Axis {
  return {
    ...AXIS,
    size: 86,
    // Enough decimals that neighbouring ticks differ: ₩10.002M, ₩10.004M rather than ₩10.00M twice.
    values: (_u, splits) => {
      const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 0
      return splits.map((value) => compact(value, quote, step))
    },
  }
}

function compact(value: number, quote: string, step: number): string {
  const abs = Math.abs(value)
  const sign = value < 0 ? '−' : ''
  const symbol = quote === 'KRW' ? '₩' : ''
  const [unit, suffix] = abs >= 1e9 ? [1e9, 'B'] : abs >= 1e6 ? [1e6, 'M'] : abs >= 1e3 ? [1e3, 'k'] : [1, '']
  const decimals = step > 0 ? Math.min(4, Math.max(0, Math.ceil(-Math.log10(step / unit)))) : 0
  return `${sign}${symbol}${(abs / unit).toFixed(decimals)}${suffix}`
}

/** A chart that follows its container's width. */
export interface Chart {
  plot: uPlot
  setData(data: uPlot.AlignedData): void
}

function mount(el: HTMLElement, options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData, height = 240): Chart {
  const plot = new uPlot({ ...options, ...sizeOf(el, height) }, data, el)
  new ResizeObserver(() => {
    if (Math.abs(el.clientWidth - plot.width) > 2) plot.setSize(sizeOf(el, height))
  }).observe(el)
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
    300,
  )
}

/** Price line with buy (green, up) and sell (red, down) markers as point-only series. */
export function priceChart(el: HTMLElement, quote: string): Chart {
  const marker = (color: string) => ({
    stroke: color,
    fill: color,
    width: 0,
    paths: () => null,
    points: { show: true, size: 7, stroke: color, fill: color, width: 1 },
  })
  return mount(
    el,
    {
      scales: { x: { time: true } },
      axes: [AXIS, moneyAxis(quote)],
      series: [
        {},
        { label: 'Price', stroke: '#c7d2fe', width: 2, value: (_u, v) => (v === null ? '–' : money(v, quote)) },
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
            if (!Number.isFinite(zero) || u.bbox.height <= 0) return '#22c55e'
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
