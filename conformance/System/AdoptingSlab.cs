using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The slab layer of the exact level's reference: MMSpec's slab model, which takes from the system under test the
/// one choice SLUB leaves open (which free object of which partial or empty slab an allocation hands out, as the
/// slab lockstep does with <see cref="SlabModel.Adopt"/>). Before the reference runs a kmalloc or
/// kmem_cache_alloc, the lockstep shows it the object the system under test returned; when the model has a free
/// object for it and SLUB could have returned that one, the model takes it. A new slab and a large kmalloc take their
/// pages from the page allocator, whose placement both sides share.
/// </summary>
public sealed class AdoptingSlab(SlabModel model) : ISlabAllocator
{
    private VirtAddr? _observed;

    /// <summary>Why the last object shown could not be SLUB's answer; null when it could, or none was shown.</summary>
    public string? Refused { get; private set; }

    public IBuddyAllocator Pages => model.Pages;

    /// <summary>
    /// MMSpec's models composed, with this slab layer: the reference the exact level runs beside a system.
    /// </summary>
    public static (Model.MemorySystem.MemorySystem System, AdoptingSlab Slab) Reference(
        Model.MemorySystem.SystemConfig config)
    {
        AdoptingSlab? slab = null;
        var parts = Model.MemorySystem.SystemParts.Models(config) with
        {
            Slab = pages => slab = new AdoptingSlab(new SlabModel(pages)),
        };
        var system = new Model.MemorySystem.MemorySystem(config, parts);
        return (system, slab!);
    }

    /// <summary>The object the system under test returned for the call the reference runs next.</summary>
    public void Observe(VirtAddr? observed) => (_observed, Refused) = (observed, null);

    public Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align, CacheCtor? ctor) =>
        model.KmemCacheCreate(name, size, align, ctor);

    public Result<VirtAddr> KmemCacheAlloc(CacheId cache) =>
        Choose(new KmemCacheAlloc(cache), cache, () => model.KmemCacheAlloc(cache));

    public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj) => model.KmemCacheFree(cache, obj);

    public Result<Unit> KmemCacheShrink(CacheId cache) => model.KmemCacheShrink(cache);

    public Result<Unit> KmemCacheDestroy(CacheId cache) => model.KmemCacheDestroy(cache);

    public Result<VirtAddr> Kmalloc(ulong size) => size is 0 or > KmallocSizes.MaxCacheSize ? model.Kmalloc(size)
        : Choose(new Kmalloc(size), new CacheId(KmallocSizes.IndexOf(size)), () => model.Kmalloc(size));

    public Result<Unit> Kfree(VirtAddr addr) => model.Kfree(addr);

    public Result<ulong> Ksize(VirtAddr addr) => model.Ksize(addr);

    public Result<ulong> ReadWord(VirtAddr obj) => model.ReadWord(obj);

    public Result<Unit> WriteWord(VirtAddr obj, ulong value) => model.WriteWord(obj, value);

    public SlabSnapshot Snapshot() => model.Snapshot();

    public SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames) =>
        model.SnapshotOf(caches, frames);

    private Result<VirtAddr> Choose(SlabOp op, CacheId cache, Func<Result<VirtAddr>> own)
    {
        var shown = _observed;
        _observed = null;
        var everyFrame = new PfnRange(new Pfn(0), new Pfn(model.Pages.Layout.FrameCount));
        var free = model.SnapshotOf([cache], everyFrame).Cache(cache)?.Slabs.Any(s => !s.FreeObjects.IsEmpty);
        if (shown is not { } seen || free != true)
        {
            return own();
        }

        Refused = model.Adopt(op, seen);
        return Refused is null ? seen : own();
    }
}
