using MMSpec.Impl.Buddy;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Slab;
using MMSpec.Properties.Lockstep;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Properties.Slab;

/// <summary>
/// The calls that can break several checks at once: the model lists every error that applies, in the declared
/// order, and returns the first; an allocator that checks the object before the cache passes the safe level and
/// fails the exact one, and one that refuses with an error that does not apply fails the safe level too.
/// </summary>
public sealed class SlabPrecedenceTests(ITestOutputHelper output)
{
    [Fact]
    public void A_bad_alignment_with_a_bad_size_has_both_errors_linux_reports_the_alignment()
    {
        var create = new KmemCacheCreate("c", 0, 3, null);
        var errors = SlabModel.CreateErrors(create);
        Assert.Equal([new InvalidAlignment("c", 3), new InvalidObjectSize("c", 0)], errors);
        Assert.True(SlabModel.CreatePrecedence.Orders(errors));
        Assert.Equal(Result<CacheId>.Fail(errors[0]), Model().KmemCacheCreate("c", 0, 3, null));
        Assert.Equal([new InvalidObjectSize("c", 0)], SlabModel.CreateErrors(create with { Align = 8 }));
        Assert.Empty(SlabModel.CreateErrors(create with { Size = 64, Align = 8 }));
    }

    [Fact]
    public void A_bad_alignment_alone_is_one_error_and_the_size_limit_counts_the_constructor_word()
    {
        const ulong max = CacheGeometry.MaxSlabBytes;
        Assert.Equal([new InvalidAlignment("c", 3)], SlabModel.CreateErrors(new KmemCacheCreate("c", 64, 3, null)));
        Assert.Equal([new InvalidAlignment("c", 3)], SlabModel.CreateErrors(new KmemCacheCreate("c", max, 3, null)));
        Assert.Equal([new InvalidAlignment("c", 3), new InvalidObjectSize("c", max + 1)],
            SlabModel.CreateErrors(new KmemCacheCreate("c", max + 1, 3, null)));
        var ctor = new CacheCtor(0xc0de);
        Assert.Empty(SlabModel.CreateErrors(new KmemCacheCreate("c", max - 7, 0, null)));
        Assert.Equal([new InvalidObjectSize("c", max - 7)],
            SlabModel.CreateErrors(new KmemCacheCreate("c", max - 7, 0, ctor)));
    }

    [Fact]
    public void An_unknown_cache_with_a_pointer_outside_the_direct_map_has_both_errors()
    {
        var model = Model();
        var free = new KmemCacheFree(new CacheId(999), new VirtAddr(0x10));
        var errors = model.FreeErrors(free);
        Assert.Equal([new UnknownCache(new CacheId(999)), new AddressOutsideDirectMap(new VirtAddr(0x10))], errors);
        Assert.True(SlabModel.FreePrecedence.Orders(errors));
        Assert.Equal(Result<Unit>.Fail(errors[0]), model.KmemCacheFree(free.Cache, free.Obj));
    }

    [Fact]
    public void A_double_free_to_the_wrong_cache_has_both_errors_linux_reports_the_cache()
    {
        var model = Model();
        var (a, b) = (model.KmemCacheCreate("a", 64, 0, null).Value, model.KmemCacheCreate("b", 64, 0, null).Value);
        var obj = model.KmemCacheAlloc(a).Value;
        Assert.True(model.KmemCacheFree(a, obj).IsOk);
        var errors = model.FreeErrors(new KmemCacheFree(b, obj));
        Assert.Equal([new WrongCache(obj, "b", "a"), new ObjectAlreadyFree(obj, "a")], errors);
        Assert.True(SlabModel.FreePrecedence.Orders(errors));
        Assert.Equal(Result<Unit>.Fail(errors[0]), model.KmemCacheFree(b, obj));
    }

    [Fact]
    public void Destroying_a_busy_kmalloc_cache_has_both_errors_linux_reports_the_boot_cache()
    {
        var model = Model();
        Assert.True(model.Kmalloc(8).IsOk);
        var errors = model.DestroyErrors(new KmemCacheDestroy(new CacheId(0)));
        Assert.Equal([new BootCache("kmalloc-8"), new ObjectsRemaining("kmalloc-8", 1)], errors);
        Assert.True(SlabModel.DestroyPrecedence.Orders(errors));
        Assert.Equal([new UnknownCache(new CacheId(999))], model.DestroyErrors(new KmemCacheDestroy(new CacheId(999))));
    }

    [Fact]
    public void Checking_the_object_before_the_cache_passes_the_safe_level() =>
        PropertyRunner.CheckFrom(output, SlabSafeSpecification.Lockstepped(ObjectFirst, Level.Safe), 100,
            BrokenVariant.Seed);

    [Fact]
    public void Checking_the_object_before_the_cache_fails_the_exact_level_on_linux_precedence() =>
        BrokenVariant.AssertCaught(output, SlabSafeSpecification.Lockstepped(ObjectFirst, Level.Exact),
            SlabRules.ModelPermits, casesAtSeed: 3);

    [Fact]
    public void An_error_that_does_not_apply_fails_the_safe_level_too() =>
        BrokenVariant.AssertCaught(output, SlabSafeSpecification.Lockstepped(AlwaysUnknownCache, Level.Safe),
            SlabRules.ModelPermits, casesAtSeed: 3);

    private static SlabModel Model() => new(new BuddyModel(MemoryLayout.Flat(256)));

    /// <summary>
    /// The implementation, but kmem_cache_free checks the object (as ksize does) before the cache: another legal
    /// order of the checks, which Linux's precedence does not follow.
    /// </summary>
    private static OtherFree ObjectFirst(MemoryLayout layout) => new(layout, (inner, cache, obj) =>
        inner.Ksize(obj) is { IsOk: false } bad ? Result<Unit>.Fail(bad.Error!) : inner.KmemCacheFree(cache, obj));

    /// <summary>
    /// The implementation, but every refused kmem_cache_free says "unknown cache", whatever was wrong.
    /// </summary>
    private static OtherFree AlwaysUnknownCache(MemoryLayout layout) => new(layout, (inner, cache, obj) =>
        inner.KmemCacheFree(cache, obj) is { IsOk: false } ? new UnknownCache(cache) : Unit.Value);

    /// <summary>The implementation on <paramref name="layout"/>, with kmem_cache_free replaced.</summary>
    private sealed class OtherFree(MemoryLayout layout, Func<ISlabAllocator, CacheId, VirtAddr, Result<Unit>> free)
        : ISlabAllocator
    {
        private readonly SlabAllocator _inner = new(new BuddyAllocator(layout));

        public IBuddyAllocator Pages => _inner.Pages;

        public Result<CacheId> KmemCacheCreate(string name, ulong size, ulong align, CacheCtor? ctor) =>
            _inner.KmemCacheCreate(name, size, align, ctor);

        public Result<VirtAddr> KmemCacheAlloc(CacheId cache) => _inner.KmemCacheAlloc(cache);

        public Result<Unit> KmemCacheFree(CacheId cache, VirtAddr obj) => free(_inner, cache, obj);

        public Result<Unit> KmemCacheShrink(CacheId cache) => _inner.KmemCacheShrink(cache);

        public Result<Unit> KmemCacheDestroy(CacheId cache) => _inner.KmemCacheDestroy(cache);

        public Result<VirtAddr> Kmalloc(ulong size) => _inner.Kmalloc(size);

        public Result<Unit> Kfree(VirtAddr addr) => _inner.Kfree(addr);

        public Result<ulong> Ksize(VirtAddr addr) => _inner.Ksize(addr);

        public Result<ulong> ReadWord(VirtAddr obj) => _inner.ReadWord(obj);

        public Result<Unit> WriteWord(VirtAddr obj, ulong value) => _inner.WriteWord(obj, value);

        public SlabSnapshot Snapshot() => _inner.Snapshot();

        public SlabSnapshot SnapshotOf(IReadOnlyCollection<CacheId> caches, PfnRange frames) =>
            _inner.SnapshotOf(caches, frames);
    }
}
