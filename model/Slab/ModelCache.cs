using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>
/// The reference model's record of one cache (struct kmem_cache): its layout, constructor and slabs by pfn.
/// </summary>
public sealed class ModelCache(CacheId id, string name, CacheGeometry geometry, CacheCtor? ctor)
{
    public CacheId Id { get; } = id;

    public string Name { get; } = name;

    public CacheGeometry Geometry { get; } = geometry;

    public CacheCtor? Ctor { get; } = ctor;

    public long CtorCalls { get; set; }

    public SortedDictionary<Pfn, ModelSlab> Slabs { get; } = [];

    /// <summary>The slabs on one list, lowest address first.</summary>
    public IEnumerable<ModelSlab> On(SlabList list) => Slabs.Values.Where(s => s.List == list);

    public CacheState State() => State(Slabs.Values);

    /// <summary>The cache with only its slabs that start in <paramref name="frames"/>.</summary>
    public CacheState State(PfnRange frames) => State(SlabsIn(frames));

    /// <summary>The slabs that start in <paramref name="frames"/>, lowest first: one lookup per frame.</summary>
    public IEnumerable<ModelSlab> SlabsIn(PfnRange frames)
    {
        for (var pfn = frames.Start; pfn < frames.End; pfn = new Pfn(pfn.Value + 1))
        {
            if (Slabs.TryGetValue(pfn, out var slab))
            {
                yield return slab;
            }
        }
    }

    private CacheState State(IEnumerable<ModelSlab> slabs) =>
        new(Id, Name, Geometry, Ctor, CtorCalls,
            [.. slabs.Select(s => new SlabState(s.Pfn, s.Order, s.List, [.. s.Free]))]);
}

/// <summary>
/// The reference model's record of one slab (struct slab): its block, list, free objects and contents.
/// </summary>
public sealed class ModelSlab
{
    public ModelSlab(Pfn pfn, Order order, int objects, ulong initialWord)
    {
        Pfn = pfn;
        Order = order;
        Objects = objects;
        Free = [.. Enumerable.Range(0, objects)];
        Words = [.. Enumerable.Repeat(initialWord, objects)];
    }

    public Pfn Pfn { get; }

    public Order Order { get; }

    public int Objects { get; }

    public SlabList List { get; set; } = SlabList.Empty;

    public SortedSet<int> Free { get; }

    /// <summary>The first word of each object.</summary>
    public ulong[] Words { get; }

    public int InUse => Objects - Free.Count;

    public Block Block => new(Pfn, Order);

    /// <summary>The list the in-use count puts the slab on.</summary>
    public SlabList ListByInUse => InUse == Objects ? SlabList.Full : InUse == 0 ? SlabList.Empty : SlabList.Partial;
}
