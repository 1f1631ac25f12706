import { describe, expect, it } from 'vitest';
import {
  convertDataSize,
  convertLength,
  convertMass,
  convertTemperature,
  DATA_SIZE,
  DATA_SIZE_UNITS,
  LENGTH,
  LENGTH_UNITS,
  listUnits,
  MASS,
  MASS_UNITS,
  TEMPERATURE,
  TEMPERATURE_UNITS,
  tidy,
} from '../../examples/backends/units.js';

const ok = (r: ReturnType<typeof convertLength>): number => {
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

describe('unit tables', () => {
  it('list exactly the units of their enums', () => {
    expect(Object.keys(LENGTH).sort()).toEqual([...LENGTH_UNITS].sort());
    expect(Object.keys(MASS).sort()).toEqual([...MASS_UNITS].sort());
    expect(Object.keys(DATA_SIZE).sort()).toEqual([...DATA_SIZE_UNITS].sort());
    expect(Object.keys(TEMPERATURE).sort()).toEqual([...TEMPERATURE_UNITS].sort());
  });

  it('use the exact international definitions', () => {
    expect(LENGTH.in.factor).toBe(0.0254);
    expect(LENGTH.ft.factor).toBeCloseTo(0.3048, 15);
    expect(LENGTH.mi.factor).toBeCloseTo(1609.344, 12);
    expect(MASS.lb.factor).toBe(0.45359237);
    expect(MASS.oz.factor).toBeCloseTo(0.028349523125, 15);
    expect(DATA_SIZE.GiB.factor).toBe(1073741824);
  });

  it('lists every unit with a name', () => {
    const all = listUnits();
    expect(all.length.map((u) => u.symbol)).toEqual([...LENGTH_UNITS]);
    expect(all.temperature).toContainEqual({ symbol: 'K', name: 'kelvin' });
    expect(all.data_size.find((u) => u.symbol === 'KiB')?.name).toMatch(/1024/);
  });
});

describe('conversions', () => {
  it('convert length without float noise', () => {
    expect(ok(convertLength(1, 'ft', 'in'))).toBe(12);
    expect(ok(convertLength(1, 'mi', 'km'))).toBe(1.609344);
    expect(ok(convertLength(1, 'nmi', 'm'))).toBe(1852);
    expect(ok(convertLength(3, 'ft', 'yd'))).toBe(1);
    expect(ok(convertLength(10, 'cm', 'in'))).toBe(3.93700787401575);
    expect(ok(convertLength(5, 'km', 'km'))).toBe(5);
    expect(ok(convertLength(1, 'um', 'nm'))).toBe(1000);
  });

  it('convert mass', () => {
    expect(ok(convertMass(1, 'lb', 'oz'))).toBe(16);
    expect(ok(convertMass(1, 'st', 'lb'))).toBe(14);
    expect(ok(convertMass(1, 'kg', 'lb'))).toBe(2.20462262184878);
    expect(ok(convertMass(2.5, 't', 'g'))).toBe(2_500_000);
  });

  it('convert data sizes, keeping decimal and binary prefixes apart', () => {
    expect(ok(convertDataSize(1, 'KiB', 'B'))).toBe(1024);
    expect(ok(convertDataSize(1, 'kB', 'B'))).toBe(1000);
    expect(ok(convertDataSize(1, 'GB', 'GiB'))).toBe(0.931322574615479);
    expect(ok(convertDataSize(1, 'B', 'bit'))).toBe(8);
    expect(ok(convertDataSize(1, 'TiB', 'MiB'))).toBe(1048576);
  });

  it('convert temperature through kelvin', () => {
    expect(ok(convertTemperature(100, 'C', 'F'))).toBe(212);
    expect(ok(convertTemperature(37, 'C', 'F'))).toBe(98.6);
    expect(ok(convertTemperature(32, 'F', 'C'))).toBe(0);
    expect(ok(convertTemperature(-40, 'C', 'F'))).toBe(-40);
    expect(ok(convertTemperature(0, 'K', 'C'))).toBe(-273.15);
    expect(ok(convertTemperature(0, 'C', 'K'))).toBe(273.15);
    expect(ok(convertTemperature(491.67, 'R', 'F'))).toBe(32);
    expect(ok(convertTemperature(-459.67, 'F', 'K'))).toBe(0);
  });

  it('refuses temperatures below absolute zero and non-finite values', () => {
    const r = convertTemperature(-300, 'C', 'K');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/below absolute zero \(0 K = -273\.15 C\)/);
    expect(convertTemperature(-1, 'K', 'C').ok).toBe(false);
    expect(convertLength(Number.NaN, 'm', 'km').ok).toBe(false);
    expect(convertMass(Number.POSITIVE_INFINITY, 'kg', 'g').ok).toBe(false);
    expect(convertLength(1e300, 'km', 'nm').ok).toBe(false);
  });

  it('tidy rounds away representation noise only', () => {
    expect(tidy(0.1 + 0.2)).toBe(0.3);
    expect(tidy(12.000000000000002)).toBe(12);
    expect(tidy(1 / 3)).toBe(0.333333333333333);
    expect(Object.is(tidy(-0), 0)).toBe(true);
  });
});
