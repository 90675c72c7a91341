import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, done, ok, publicApi } from "./api";
import { Alert } from "./form";

function usePhotos(propertyId: string) {
  return useQuery({
    queryKey: ["photos", propertyId],
    queryFn: async () => ok(await api.v1.properties[":id"].photos.$get({ param: { id: propertyId } })),
  });
}

/** A listing's photos: the cover large, the rest beside it; each described by its caption. */
export function Gallery({ propertyId, title }: { propertyId: string; title: string }) {
  const photos = useQuery({
    queryKey: ["photos", propertyId, "public"],
    queryFn: async () => ok(await publicApi.v1.properties[":id"].photos.$get({ param: { id: propertyId } })),
  });
  const items = photos.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <div class="gallery">
      {items.map((p, i) => (
        <img
          key={p.id}
          class={i === 0 ? "photo cover" : "photo"}
          src={`${p.url}?w=${i === 0 ? 1280 : 640}`}
          width={p.width}
          height={p.height}
          alt={p.caption ?? `${title}: photo ${i + 1} of ${items.length}`}
          loading={i === 0 ? "eager" : "lazy"}
        />
      ))}
    </div>
  );
}

/** A landlord's photos of a property: add (JPEG, PNG or WebP, up to 10 MiB), make one the cover, delete. */
export function PhotoManager({ propertyId }: { propertyId: string }) {
  const client = useQueryClient();
  const photos = usePhotos(propertyId);
  const changed = () => void client.invalidateQueries({ queryKey: ["photos", propertyId] });
  const add = useMutation({
    mutationFn: async (file: File) =>
      ok(
        await api.v1.properties[":id"].photos.$post(
          { param: { id: propertyId } },
          { init: { body: file, headers: { "content-type": file.type || "application/octet-stream" } } },
        ),
      ),
    onSuccess: changed,
  });
  const cover = useMutation({
    mutationFn: async (photoId: string) =>
      ok(
        await api.v1.properties[":id"].photos[":photoId"].$patch({
          param: { id: propertyId, photoId },
          json: { position: 0 },
        }),
      ),
    onSuccess: changed,
  });
  const remove = useMutation({
    mutationFn: async (photoId: string) =>
      done(await api.v1.properties[":id"].photos[":photoId"].$delete({ param: { id: propertyId, photoId } })),
    onSuccess: changed,
  });
  const items = photos.data?.items ?? [];
  return (
    <section aria-labelledby="photos-title">
      <h2 id="photos-title">Photos</h2>
      {items.length === 0 && <p class="muted">No photos yet: the first one you add is the listing's cover.</p>}
      <ul class="cards">
        {items.map((p, i) => (
          <li class="card" key={p.id}>
            <img class="photo" src={`${p.url}?w=320`} alt={p.caption ?? `Photo ${i + 1}`} />
            <p class="muted">
              {i === 0 ? "Cover · " : ""}
              {p.width} × {p.height}
            </p>
            {i > 0 && (
              <button type="button" class="link" disabled={cover.isPending} onClick={() => cover.mutate(p.id)}>
                Make it the cover
              </button>
            )}{" "}
            <button
              type="button"
              class="link"
              disabled={remove.isPending}
              onClick={() => confirm("Delete this photo?") && remove.mutate(p.id)}
            >
              Delete photo {i + 1}
            </button>
          </li>
        ))}
      </ul>
      <label>
        Add a photo (JPEG, PNG or WebP, up to 10 MiB)
        <input
          type="file"
          name="photo"
          accept="image/jpeg,image/png,image/webp"
          disabled={add.isPending}
          onChange={(e) => {
            const input = e.target as HTMLInputElement;
            const file = input.files?.[0];
            if (file) add.mutate(file);
            input.value = "";
          }}
        />
      </label>
      {add.isPending && <p role="status">Uploading…</p>}
      <Alert error={add.error ?? cover.error ?? remove.error} />
    </section>
  );
}
