/** Great-circle distances and the latitude/longitude boxes that narrow a geo query on an index. */

export const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

export interface Point {
  lat: number;
  lng: number;
}

/** A box on the map: latitudes `minLat..maxLat`, longitudes in one or two ranges (two when it crosses the antimeridian). */
export interface GeoBox {
  minLat: number;
  maxLat: number;
  lngRanges: [number, number][];
}

/** Great-circle distance in km (haversine). */
export function distanceKm(a: Point, b: Point): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The smallest latitude/longitude box holding every point within `km` of `centre` (Bronshtein's
 * bounding coordinates): the index narrows to it, then the exact distance decides. Near a pole the
 * box takes every longitude; past ±180° it wraps into a second range.
 */
export function radiusBox(centre: Point, km: number): GeoBox {
  const angular = km / EARTH_RADIUS_KM;
  const lat = centre.lat * RAD;
  let minLat = lat - angular;
  let maxLat = lat + angular;
  if (minLat <= -Math.PI / 2 || maxLat >= Math.PI / 2) {
    minLat = Math.max(minLat, -Math.PI / 2);
    maxLat = Math.min(maxLat, Math.PI / 2);
    return { minLat: minLat / RAD, maxLat: maxLat / RAD, lngRanges: [[-180, 180]] };
  }
  const dLng = Math.asin(Math.sin(angular) / Math.cos(lat)) / RAD;
  return { minLat: minLat / RAD, maxLat: maxLat / RAD, lngRanges: wrap(centre.lng - dLng, centre.lng + dLng) };
}

/**
 * A map viewport `minLng,minLat,maxLng,maxLat`. A viewport whose west edge is east of its east
 * edge crosses the antimeridian (Auckland to Fiji: 174,-42,-178,-15) and covers two ranges.
 */
export function viewportBox(minLng: number, minLat: number, maxLng: number, maxLat: number): GeoBox {
  const lngRanges: [number, number][] =
    minLng <= maxLng
      ? [[minLng, maxLng]]
      : [
          [minLng, 180],
          [-180, maxLng],
        ];
  return { minLat, maxLat, lngRanges };
}

function wrap(west: number, east: number): [number, number][] {
  if (west < -180)
    return [
      [west + 360, 180],
      [-180, east],
    ];
  if (east > 180)
    return [
      [west, 180],
      [-180, east - 360],
    ];
  return [[west, east]];
}
