import { useEffect, useRef } from "preact/hooks";
import { navigate } from "./router";

export interface Pin {
  id: string;
  label: string;
  lat: number;
  lng: number;
  href: string;
}

/** The tile template and attribution the worker put in the page (MAP_TILE_URL); empty offline. */
function tileConfig(): { url: string; attribution: string } {
  const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
  return { url: meta("roomline-map-tiles"), attribution: meta("roomline-map-attribution") };
}

/**
 * Results on a map (Leaflet, loaded only when a map is shown, so the first page stays small): a
 * marker per place, its title on hover and focus, a click opens it. Tiles come from MAP_TILE_URL
 * when one is set; without it (offline, by default) the map is plain, markers on a blank ground.
 * Moving the map offers its area as a search (`bbox`).
 */
export function ResultsMap({ pins, onArea }: { pins: Pin[]; onArea: (bbox: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const onAreaRef = useRef(onArea);
  onAreaRef.current = onArea;
  useEffect(() => {
    let map: import("leaflet").Map | undefined;
    let gone = false;
    void (async () => {
      const [L] = await Promise.all([import("leaflet"), import("leaflet/dist/leaflet.css")]);
      if (gone || !box.current) return;
      map = L.map(box.current, { attributionControl: true, worldCopyJump: true });
      const tiles = tileConfig();
      if (tiles.url) L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 19 }).addTo(map);
      else map.attributionControl.addAttribution("Plain map: set MAP_TILE_URL for tiles");
      const markers = pins.map((p) =>
        L.circleMarker([p.lat, p.lng], {
          radius: 8,
          color: "#0b3d91",
          weight: 2,
          fillColor: "#0b57d0",
          fillOpacity: 0.8,
        })
          .bindTooltip(p.label)
          .on("click", () => navigate(p.href))
          .addTo(map!),
      );
      if (markers.length > 0) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.2), { maxZoom: 14 });
      else map.setView([20, 0], 2);
      map.on("moveend", () => {
        const b = map!.getBounds();
        const west = ((((b.getWest() + 180) % 360) + 360) % 360) - 180;
        const east = ((((b.getEast() + 180) % 360) + 360) % 360) - 180;
        onAreaRef.current([west, b.getSouth(), east, b.getNorth()].map((v) => v.toFixed(4)).join(","));
      });
    })();
    return () => {
      gone = true;
      map?.remove();
    };
  }, [pins.map((p) => p.id).join()]);
  return <div class="map" ref={box} role="region" aria-label="Map of the results" />;
}
