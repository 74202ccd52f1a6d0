using System.Collections.Immutable;
using System.Text.Json.Serialization;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Model.Slab;

/// <summary>One slab: its block, the list it is on, and its free objects by index (sorted).</summary>
public sealed record SlabState(Pfn Pfn, Order Order, SlabList List, ImmutableArray<int> FreeObjects)
{
    public Block Block => new(Pfn, Order);

    public VirtAddr Base => DirectMap.Of(Pfn);

    public bool Equals(SlabState? other) =>
        other is not null && Pfn == other.Pfn && Order == other.Order && List == other.List
            && FreeObjects.SequenceEqual(other.FreeObjects);

    public override int GetHashCode() => HashCode.Combine(Pfn, Order, List, FreeObjects.Length);

    public override string ToString() =>
        $"{Block} {List.ToString().ToLowerInvariant()} free[{string.Join(' ', FreeObjects)}]";
}

/// <summary>One cache: name, layout, constructor, how often the constructor ran, and its slabs sorted by pfn.</summary>
public sealed record CacheState(
    CacheId Id, string Name, CacheGeometry Geometry, CacheCtor? Ctor, long CtorCalls, ImmutableArray<SlabState> Slabs)
{
    public long ActiveObjects => Slabs.Sum(s => (long)(Geometry.ObjectsPerSlab - s.FreeObjects.Length));

    public long TotalObjects => (long)Slabs.Length * Geometry.ObjectsPerSlab;

    public int InUse(SlabState slab) => Geometry.ObjectsPerSlab - slab.FreeObjects.Length;

    public bool Equals(CacheState? other) =>
        other is not null && Id == other.Id && Name == other.Name && Geometry == other.Geometry && Ctor == other.Ctor
        && CtorCalls == other.CtorCalls && Slabs.SequenceEqual(other.Slabs);

    public override int GetHashCode() => HashCode.Combine(Id, Name, CtorCalls, Slabs.Length);

    public override string ToString() =>
        $"{Name} (cache {Id}, size {Geometry.Size}, order {Geometry.Order}, {Geometry.ObjectsPerSlab}/slab, "
        + $"ctor calls {CtorCalls}): {string.Join("; ", Slabs)}";
}

/// <summary>
/// The canonical state of a slab allocator: live caches by id, large kmalloc blocks by pfn, and the buddy
/// allocator underneath. Two allocators are in the same state exactly when their snapshots are equal.
/// </summary>
public sealed class SlabSnapshot(IEnumerable<CacheState> caches, IEnumerable<Block> large, BuddySnapshot pages)
{
    /// <summary>The same, for JSON: the caches and large kmallocs as the properties hold them.</summary>
    [JsonConstructor]
    private SlabSnapshot(ImmutableArray<CacheState> caches, ImmutableArray<Block> large, BuddySnapshot pages)
        : this(caches.AsEnumerable(), large.AsEnumerable(), pages)
    {
    }

    public ImmutableArray<CacheState> Caches { get; } = Sorted(caches, c => c.Id.Value);

    public ImmutableArray<Block> Large { get; } = Sorted(large, b => b.Pfn);

    public BuddySnapshot Pages { get; } = pages;

    public CacheState? Cache(CacheId id) => Caches.FirstOrDefault(c => c.Id == id);

    /// <summary>The slab of any cache whose block holds the address, with its cache.</summary>
    public (CacheState Cache, SlabState Slab)? SlabAt(VirtAddr addr) =>
        Caches.SelectMany(c => c.Slabs.Select(s => (Cache: c, Slab: s)))
            .Where(x => addr.Value >= x.Slab.Base.Value && addr.Value - x.Slab.Base.Value < x.Cache.Geometry.SlabBytes)
            .Select(x => ((CacheState, SlabState)?)x)
            .FirstOrDefault();

    /// <summary>
    /// The part of the state a step that names <paramref name="caches"/> and addresses <paramref name="frames"/> can
    /// change: those caches and every cache with a slab that starts in the frames, each with only its slabs that start
    /// there, and the large kmallocs and buddy blocks that start there. What the lockstep's incremental check compares.
    /// </summary>
    public SlabSnapshot Within(IReadOnlyCollection<CacheId> caches, PfnRange frames) =>
        new(Caches.Where(c => caches.Contains(c.Id) || c.Slabs.Any(s => frames.Contains(s.Pfn)))
                .Select(c => c with { Slabs = [.. c.Slabs.Where(s => frames.Contains(s.Pfn))] }),
            Large.Where(b => frames.Contains(b.Pfn)), Pages.Within(frames));

    /// <summary>Same caches, large kmallocs and buddy blocks, in order: <see cref="DiffFrom"/>, no text.</summary>
    public bool SameAs(SlabSnapshot other) =>
        Caches.SequenceEqual(other.Caches) && Large.SequenceEqual(other.Large) && Pages.SameBlocks(other.Pages);

    /// <summary>Null when equal; otherwise the first difference, for a readable failure.</summary>
    public string? DiffFrom(SlabSnapshot other)
    {
        if (ReferenceEquals(this, other))
        {
            return null;
        }

        var ids = Caches.Select(c => c.Id).ToList();
        var otherIds = other.Caches.Select(c => c.Id).ToList();
        if (!ids.SequenceEqual(otherIds))
        {
            return $"caches differ: here [{string.Join(' ', ids)}], there [{string.Join(' ', otherIds)}]";
        }

        foreach (var (mine, theirs) in Caches.Zip(other.Caches))
        {
            if (!mine.Equals(theirs))
            {
                return $"cache {mine.Id} differs:\n  here:  {mine}\n  there: {theirs}";
            }
        }

        if (!Large.SequenceEqual(other.Large))
        {
            return $"large kmallocs differ: here [{string.Join(' ', Large)}], there [{string.Join(' ', other.Large)}]";
        }

        return Pages.DiffFrom(other.Pages) is { } pagesDiffer ? $"buddy allocator: {pagesDiffer}" : null;
    }

    public override string ToString() =>
        $"{string.Join('\n', Caches.Where(c => !c.Slabs.IsEmpty))}\nlarge: {string.Join(' ', Large)}";

    /// <summary>Sorted by key; input already in order (every allocator's walk) is only checked, not sorted.</summary>
    private static ImmutableArray<T> Sorted<T, TKey>(IEnumerable<T> items, Func<T, TKey> key)
        where TKey : IComparable<TKey>
    {
        var array = items.ToArray();
        for (var i = 1; i < array.Length; i++)
        {
            if (key(array[i]).CompareTo(key(array[i - 1])) < 0)
            {
                return [.. array.OrderBy(key)];
            }
        }

        return ImmutableArray.Create(array);
    }
}
