using MMSpec.Model.Slab;

namespace MMSpec.Impl.Slab;

/// <summary>
/// struct kmem_cache with its kmem_cache_node: the layout, the three slab lists as intrusive lists, counters.
/// </summary>
internal sealed class KmemCache(CacheId id, string name, CacheGeometry geometry, CacheCtor? ctor)
{
    private readonly SlabDescriptor?[] _heads = new SlabDescriptor?[3];
    private readonly Stack<SlabDescriptor> _spare = new();

    public CacheId Id { get; } = id;

    public string Name { get; } = name;

    public CacheGeometry Geometry { get; } = geometry;

    public CacheCtor? Ctor { get; } = ctor;

    public long CtorCalls { get; set; }

    /// <summary>Objects in use over all slabs: kmem_cache_destroy's check in O(1).</summary>
    public long InUse { get; set; }

    public SlabDescriptor? Head(SlabList list) => _heads[(int)list];

    /// <summary>A descriptor for a new slab: a spare one of this cache if there is one.</summary>
    public SlabDescriptor Descriptor() => _spare.Count > 0 ? _spare.Pop() : new SlabDescriptor(this);

    public void Retire(SlabDescriptor slab) => _spare.Push(slab);

    /// <summary>list_move to the head of a list (add_partial and friends), unlinking in O(1).</summary>
    public void Move(SlabDescriptor slab, SlabList list)
    {
        if (slab.OnList && slab.List == list)
        {
            return;
        }

        Unlink(slab);
        ref var head = ref _heads[(int)list];
        slab.Next = head;
        slab.Prev = null;
        if (head is not null)
        {
            head.Prev = slab;
        }

        head = slab;
        slab.List = list;
        slab.OnList = true;
    }

    public void Unlink(SlabDescriptor slab)
    {
        if (!slab.OnList)
        {
            return;
        }

        if (slab.Prev is null)
        {
            _heads[(int)slab.List] = slab.Next;
        }
        else
        {
            slab.Prev.Next = slab.Next;
        }

        if (slab.Next is not null)
        {
            slab.Next.Prev = slab.Prev;
        }

        slab.Next = null;
        slab.Prev = null;
        slab.OnList = false;
    }

    /// <summary>Every slab on every list, for snapshots.</summary>
    public IEnumerable<SlabDescriptor> Slabs()
    {
        foreach (var head in _heads)
        {
            for (var slab = head; slab is not null; slab = slab.Next)
            {
                yield return slab;
            }
        }
    }
}
