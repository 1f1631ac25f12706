/** @module Unit tables and conversions for the units demo: exact defined factors, affine temperatures. */

/** One unit: a human name and how many base units (metre, kilogram, byte) one of it is. */
export interface LinearUnit {
  name: string;
  factor: number;
}

// The international yard and pound (1959) define the imperial units exactly, so every factor below is exact
// (to double precision), not a rounded lookup value.
const INCH = 0.0254;
const POUND = 0.45359237;

export const LENGTH_UNITS = ['nm', 'um', 'mm', 'cm', 'm', 'km', 'in', 'ft', 'yd', 'mi', 'nmi'] as const;
export type LengthUnit = (typeof LENGTH_UNITS)[number];
/** Base unit: metre. */
export const LENGTH: Record<LengthUnit, LinearUnit> = {
  nm: { name: 'nanometre', factor: 1e-9 },
  um: { name: 'micrometre', factor: 1e-6 },
  mm: { name: 'millimetre', factor: 1e-3 },
  cm: { name: 'centimetre', factor: 1e-2 },
  m: { name: 'metre', factor: 1 },
  km: { name: 'kilometre', factor: 1e3 },
  in: { name: 'inch', factor: INCH },
  ft: { name: 'foot', factor: 12 * INCH },
  yd: { name: 'yard', factor: 36 * INCH },
  mi: { name: 'mile (international)', factor: 63360 * INCH },
  nmi: { name: 'nautical mile', factor: 1852 },
};

export const MASS_UNITS = ['mg', 'g', 'kg', 't', 'oz', 'lb', 'st'] as const;
export type MassUnit = (typeof MASS_UNITS)[number];
/** Base unit: kilogram. */
export const MASS: Record<MassUnit, LinearUnit> = {
  mg: { name: 'milligram', factor: 1e-6 },
  g: { name: 'gram', factor: 1e-3 },
  kg: { name: 'kilogram', factor: 1 },
  t: { name: 'tonne (metric ton)', factor: 1e3 },
  oz: { name: 'ounce (avoirdupois)', factor: POUND / 16 },
  lb: { name: 'pound (avoirdupois)', factor: POUND },
  st: { name: 'stone', factor: 14 * POUND },
};

export const DATA_SIZE_UNITS = [
  'bit',
  'B',
  'kB',
  'MB',
  'GB',
  'TB',
  'PB',
  'KiB',
  'MiB',
  'GiB',
  'TiB',
  'PiB',
] as const;
export type DataSizeUnit = (typeof DATA_SIZE_UNITS)[number];
/** Base unit: byte. Decimal (kB = 1000 B) and binary (KiB = 1024 B) prefixes are kept apart, as IEC 80000-13 says. */
export const DATA_SIZE: Record<DataSizeUnit, LinearUnit> = {
  bit: { name: 'bit', factor: 1 / 8 },
  B: { name: 'byte', factor: 1 },
  kB: { name: 'kilobyte (1000 B)', factor: 1e3 },
  MB: { name: 'megabyte (1000^2 B)', factor: 1e6 },
  GB: { name: 'gigabyte (1000^3 B)', factor: 1e9 },
  TB: { name: 'terabyte (1000^4 B)', factor: 1e12 },
  PB: { name: 'petabyte (1000^5 B)', factor: 1e15 },
  KiB: { name: 'kibibyte (1024 B)', factor: 2 ** 10 },
  MiB: { name: 'mebibyte (1024^2 B)', factor: 2 ** 20 },
  GiB: { name: 'gibibyte (1024^3 B)', factor: 2 ** 30 },
  TiB: { name: 'tebibyte (1024^4 B)', factor: 2 ** 40 },
  PiB: { name: 'pebibyte (1024^5 B)', factor: 2 ** 50 },
};

export const TEMPERATURE_UNITS = ['C', 'F', 'K', 'R'] as const;
export type TemperatureUnit = (typeof TEMPERATURE_UNITS)[number];
/** Affine scales, converted through kelvin. Kept as a table so list_units can show them like the others. */
export const TEMPERATURE: Record<
  TemperatureUnit,
  { name: string; toKelvin(v: number): number; fromKelvin(k: number): number }
> = {
  C: { name: 'degree Celsius', toKelvin: (v) => v + 273.15, fromKelvin: (k) => k - 273.15 },
  F: {
    name: 'degree Fahrenheit',
    toKelvin: (v) => ((v - 32) * 5) / 9 + 273.15,
    fromKelvin: (k) => ((k - 273.15) * 9) / 5 + 32,
  },
  K: { name: 'kelvin', toKelvin: (v) => v, fromKelvin: (k) => k },
  R: { name: 'degree Rankine', toKelvin: (v) => (v * 5) / 9, fromKelvin: (k) => (k * 9) / 5 },
};

export type ConversionResult = { ok: true; value: number } | { ok: false; message: string };

/**
 * Float arithmetic leaves noise such as 0.3048 / 0.0254 = 12.000000000000002. Fifteen significant digits is what a
 * double holds reliably, so rounding to it removes the noise without hiding real precision.
 */
export function tidy(x: number): number {
  if (!Number.isFinite(x)) return x;
  const rounded = Number(x.toPrecision(15));
  return rounded === 0 ? 0 : rounded; // no -0 in answers
}

function convertLinear<U extends string>(
  table: Record<U, LinearUnit>,
  value: number,
  from: U,
  to: U,
): ConversionResult {
  if (!Number.isFinite(value)) return { ok: false, message: 'The value must be a finite number.' };
  // Multiply before dividing: exact factors times an integer stay exact more often than a pre-computed ratio.
  const result = tidy((value * table[from].factor) / table[to].factor);
  if (!Number.isFinite(result)) return { ok: false, message: 'The result is too large to represent.' };
  return { ok: true, value: result };
}

export function convertLength(value: number, from: LengthUnit, to: LengthUnit): ConversionResult {
  return convertLinear(LENGTH, value, from, to);
}

export function convertMass(value: number, from: MassUnit, to: MassUnit): ConversionResult {
  return convertLinear(MASS, value, from, to);
}

export function convertDataSize(value: number, from: DataSizeUnit, to: DataSizeUnit): ConversionResult {
  return convertLinear(DATA_SIZE, value, from, to);
}

/** Refuses temperatures below absolute zero: a model that asks for -300 °C has made a mistake worth hearing about. */
export function convertTemperature(
  value: number,
  from: TemperatureUnit,
  to: TemperatureUnit,
): ConversionResult {
  if (!Number.isFinite(value)) return { ok: false, message: 'The value must be a finite number.' };
  const kelvin = TEMPERATURE[from].toKelvin(value);
  // A tiny tolerance: -459.67 °F is exactly 0 K but may compute as -1e-14.
  if (kelvin < -1e-9) {
    return {
      ok: false,
      message: `${value} ${from} is below absolute zero (0 K = ${tidy(TEMPERATURE[from].fromKelvin(0))} ${from}).`,
    };
  }
  return { ok: true, value: tidy(TEMPERATURE[to].fromKelvin(Math.max(kelvin, 0))) };
}

export interface UnitListing {
  symbol: string;
  name: string;
}

/** Every unit the server knows, by quantity, for the list_units tool. */
export function listUnits(): Record<'length' | 'mass' | 'temperature' | 'data_size', UnitListing[]> {
  const rows = (table: Record<string, { name: string }>): UnitListing[] =>
    Object.entries(table).map(([symbol, u]) => ({ symbol, name: u.name }));
  return {
    length: rows(LENGTH),
    mass: rows(MASS),
    temperature: rows(TEMPERATURE),
    data_size: rows(DATA_SIZE),
  };
}
