using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The reference slab allocator, written for reading: caches in a list by id, slabs in a sorted dictionary per
/// cache, free objects as sorted sets, pages from any <see cref="IBuddyAllocator"/>.
/// Relational: <see cref="Adopt"/> accepts any object SLUB could have handed out (any free object of any partial
/// slab, else of any empty slab, else of a new slab at any block the page allocator permits) and carries on from
/// it; run alone, allocation picks the lowest address. The rules are protected virtual so that a broken variant
/// can be written in a few lines and shown to be caught.
/// <para>
/// This file holds the state (the caches, the large kmallocs), the boot kmalloc caches, reading and writing an
/// object's word, snapshots, and virt_to_slab. The cache API (mm/slab_common.c) is in SlabModel.Caches.cs,
/// kmalloc in SlabModel.Kmalloc.cs, the slabs themselves (mm/slub.c) in SlabModel.Slub.cs, and taking the
/// implementation's choices in SlabModel.Adopt.cs.
/// </para>
/// </summary>
public partial class SlabModel : ISlabAllocator
{
    private readonly List<ModelCache?> _caches = [];
    private readonly SortedDictionary<Pfn, Order> _large = [];

    public SlabModel(IBuddyAllocator pages)
    {
        Pages = pages;
        // create_kmalloc_caches: kmalloc-8 ... kmalloc-8k, ARCH_KMALLOC_MINALIGN, no constructor.
        foreach (var size in KmallocSizes.CacheSizes)
        {
            var name = KmallocSizes.NameOf(size);
            _caches.Add(new ModelCache(
                new CacheId(_caches.Count),
                name,
                CacheGeometry.For(name, size, CacheGeometry.Word, false).Value,
                null));
        }
    }

    public IBuddyAllocator Pages { get; }

    public Result<ulong> ReadWord(VirtAddr obj)
    {
        var place = LocateLive(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        return place.Value.Slab is { } slab ? slab.Words[place.Value.Index] : new NotSlabPage(obj, place.Value.Pfn);
    }

    public Result<Unit> WriteWord(VirtAddr obj, ulong value)
    {
        var place = LocateLive(obj);
        if (!place.IsOk)
        {
            return place.Error!;
        }

        if (place.Value.Slab is not { } slab)
        {
            return new NotSlabPage(obj, place.Value.Pfn);
        }

        slab.Words[place.Value.Index] = value;
        return Unit.Value;
    }

    public SlabSnapshot Snapshot() =>
        new(_caches.OfType<ModelCache>().Select(c => c.State()),
            _large.Select(l => new Block(l.Key, l.Value)),
            Pages.Snapshot());

    /// <summary>
    /// The named caches and those with a slab in the frames, with only those slabs; large kmallocs, pages.
    /// </summary>
    public SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames) =>
        new(_caches.OfType<ModelCache>().Where(c => caches.Contains(c.Id) || c.SlabsIn(frames).Any())
                .Select(c => c.State(frames)),
            _large.Where(l => frames.Contains(l.Key)).Select(l => new Block(l.Key, l.Value)), Pages.SnapshotOf(frames));

    private ModelCache? Find(CacheId id) => id.Value >= 0 && id.Value < _caches.Count ? _caches[id.Value] : null;

    private void GiveBack(Pfn pfn, Order order)
    {
        var freed = Pages.FreePages(pfn, order);
        if (!freed.IsOk)
        {
            throw new InvalidOperationException(
                $"the buddy allocator refused the slab layer's block {new Block(pfn, order)}: {freed.Error}");
        }
    }

    /// <summary>
    /// virt_to_slab, made total: the slab object or large kmalloc an address starts, or the typed error.
    /// </summary>
    private Result<Place> Locate(VirtAddr addr)
    {
        if (!DirectMap.TryPfn(addr, Pages.Layout.FrameCount, out var pfn, out _))
        {
            return new AddressOutsideDirectMap(addr);
        }

        foreach (var cache in _caches.OfType<ModelCache>())
        {
            foreach (var slab in cache.Slabs.Values.Where(s => s.Block.Contains(pfn)))
            {
                var offset = addr.Value - DirectMap.Of(slab.Pfn).Value;
                return offset % cache.Geometry.Size != 0 || offset / cache.Geometry.Size >= (ulong)slab.Objects
                    ? new NotObjectStart(addr, cache.Name)
                    : new Place(cache, slab, (int)(offset / cache.Geometry.Size), slab.Pfn);
            }
        }

        foreach (var (head, order) in _large.Where(l => new Block(l.Key, l.Value).Contains(pfn)))
        {
            return addr == DirectMap.Of(head)
                ? new Place(null, null, 0, head)
                : new NotObjectStart(addr, "large kmalloc");
        }

        return new NotSlabPage(addr, pfn);
    }

    private Result<Place> LocateLive(VirtAddr addr)
    {
        var place = Locate(addr);
        return place.IsOk && place.Value.Slab is { } slab && slab.Free.Contains(place.Value.Index)
            ? new ObjectAlreadyFree(addr, place.Value.Cache!.Name)
            : place;
    }

    /// <summary>
    /// Where an address points: a slab object (cache, slab, index) or, with no slab, a large kmalloc at pfn.
    /// </summary>
    private readonly record struct Place(ModelCache? Cache, ModelSlab? Slab, int Index, Pfn Pfn);
}
