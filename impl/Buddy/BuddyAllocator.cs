using System.Collections.Immutable;
using System.Numerics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Impl.Buddy;

/// <summary>
/// The buddy allocator as mm/page_alloc.c builds it: per-frame metadata in flat arrays (struct page's
/// PageBuddy flag and buddy_order, its buddy_list links) and intrusive doubly linked free lists per zone and
/// order. Every split and merge step is O(1); no operation allocates on the heap (errors aside).
/// </summary>
public sealed partial class BuddyAllocator : IBuddyAllocator
{
    private const byte OrderMask = 0x0f;
    private const byte BuddyFlag = 0x40;
    private const byte HeadFlag = 0x80;
    private const int None = -1;

    private readonly Placement _placement;

    // struct page, split into arrays: flags (PageBuddy or allocation head, plus the order), list links.
    private readonly byte[] _flags;
    private readonly int[] _next;
    private readonly int[] _prev;

    // struct zone: span, and free_area[order] as list head and nr_free; _nonEmpty has bit 'order' set when
    // free_area[order] has a block, so __rmqueue_smallest finds the smallest sufficient order in one step.
    private readonly ZoneType[] _zoneType;
    private readonly int[] _zoneStart;
    private readonly int[] _zoneEnd;
    private readonly int[] _freeHead;
    private readonly int[] _nrFree;
    private readonly int[] _nonEmpty;
    private readonly FreeBlockIndex[]? _index;

    // The last whole-machine snapshot, dropped by every change.
    private BuddySnapshot? _snapshot;

    public BuddyAllocator(MemoryLayout layout, Placement placement = Placement.HeadOfList)
    {
        Layout = layout;
        _placement = placement;
        var frames = (int)layout.FrameCount;
        _flags = new byte[frames];
        _next = new int[frames];
        _prev = new int[frames];

        var zones = layout.Zones;
        _zoneType = [.. zones.Select(z => z.Type)];
        _zoneStart = [.. zones.Select(z => (int)z.Start.Value)];
        _zoneEnd = [.. zones.Select(z => (int)z.End.Value)];
        _freeHead = Enumerable.Repeat(None, zones.Length * Order.Count).ToArray();
        _nrFree = new int[zones.Length * Order.Count];
        _nonEmpty = new int[zones.Length];
        if (placement == Placement.LowestAddress)
        {
            _index = [.. Enumerable.Range(0, Order.Count).Select(o => new FreeBlockIndex(((long)frames >> o) + 1))];
        }

        SeedFreeAreas();
    }

    public MemoryLayout Layout { get; }

    /// <summary>Bytes of metadata the allocator keeps, per frame of the machine.</summary>
    public double MetadataBytesPerFrame =>
        (_flags.Length + ((long)_next.Length + _prev.Length) * sizeof(int) + (_index?.Sum(i => i.Bytes) ?? 0))
        / (double)_flags.Length;

    public Result<Pfn> AllocPages(Order order, ZoneType highestZone)
    {
        if (!order.IsValid)
        {
            return new InvalidOrder(order.Value);
        }

        for (var zone = _zoneType.Length - 1; zone >= 0; zone--)
        {
            var sufficient = _nonEmpty[zone] >> order.Value;
            if (_zoneType[zone] > highestZone || sufficient == 0)
            {
                continue;
            }

            // __rmqueue_smallest: the smallest order with a free block, then expand() down to the request.
            var high = order.Value + BitOperations.TrailingZeroCount(sufficient);
            var pfn = _placement == Placement.HeadOfList ? _freeHead[(zone * Order.Count) + high] : Lowest(zone, high);
            DeleteFromFreeList(pfn, zone, high);
            Expand(pfn, zone, high, order.Value);
            _flags[pfn] = (byte)(HeadFlag | order.Value);
            _snapshot = null;
            return new Pfn((ulong)pfn);
        }

        return new OutOfMemory(order, highestZone);
    }

    public Result<Unit> FreePages(Pfn pfn, Order order)
    {
        var error = CheckFree(pfn, order);
        if (error is not null)
        {
            return error;
        }

        var frame = (int)pfn.Value;
        _flags[frame] = 0;
        FreeOnePage(frame, order.Value, ZoneIndexOf(frame));
        _snapshot = null;
        return Unit.Value;
    }

    /// <summary>The whole machine's blocks, kept until the next change: a checker asks after every step.</summary>
    public BuddySnapshot Snapshot() =>
        _snapshot ??= SnapshotOf(new PfnRange(new Pfn(0), new Pfn((ulong)_flags.Length)));

    /// <summary>
    /// Reads the blocks that start in the frames from their flags bytes; the arrays are already in pfn order. Two
    /// passes over the block heads: one counts, so the second fills arrays of the exact size that become the
    /// snapshot's without a copy (cheaper than growing lists and copying them twice).
    /// </summary>
    public BuddySnapshot SnapshotOf(PfnRange frames)
    {
        var end = (int)Math.Min(frames.End.Value, (ulong)_flags.Length);
        var start = (int)Math.Min(frames.Start.Value, (ulong)end);
        var flags = _flags.AsSpan(start, end - start);
        var (freeCount, allocatedCount) = (0, 0);
        for (var i = NextSet(flags, 0); i >= 0; i = NextSet(flags, i + 1))
        {
            freeCount += (flags[i] & BuddyFlag) != 0 ? 1 : 0;
            allocatedCount += (flags[i] & (BuddyFlag | HeadFlag)) == HeadFlag ? 1 : 0;
        }

        var free = ImmutableArray.CreateBuilder<Block>(freeCount);
        var allocated = ImmutableArray.CreateBuilder<Block>(allocatedCount);
        for (var i = NextSet(flags, 0); i >= 0; i = NextSet(flags, i + 1))
        {
            var block = new Block(new Pfn((ulong)(start + i)), new Order(flags[i] & OrderMask));
            if ((flags[i] & BuddyFlag) != 0)
            {
                free.Add(block);
            }
            else if ((flags[i] & HeadFlag) != 0)
            {
                allocated.Add(block);
            }
        }

        return new BuddySnapshot(Layout, free.MoveToImmutable(), allocated.MoveToImmutable());
    }

    /// <summary>
    /// The first frame from <paramref name="from"/> on whose flags byte is not zero, or -1: most frames are a block's
    /// tail, all zero, and a vectorised search skips them.
    /// </summary>
    private static int NextSet(ReadOnlySpan<byte> flags, int from)
    {
        var rest = from < flags.Length ? flags[from..].IndexOfAnyExcept((byte)0) : -1;
        return rest < 0 ? -1 : from + rest;
    }

    /// <summary>__free_one_page: merge with the buddy while page_is_buddy holds, then add to the free list.</summary>
    private void FreeOnePage(int pfn, int order, int zone)
    {
        var bound = new LoopBound(Order.Count);
        while (order < Order.Max)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            // __find_buddy_pfn; page_is_buddy also requires the same zone and exactly this order.
            var buddy = pfn ^ (1 << order);
            if (buddy < _zoneStart[zone] || buddy >= _zoneEnd[zone] || _flags[buddy] != (BuddyFlag | order))
            {
                break;
            }

            DeleteFromFreeList(buddy, zone, order);
            _flags[buddy] = 0;
            pfn &= buddy;
            order++;
        }

        AddToFreeList(pfn, zone, order);
    }

    /// <summary>expand(): the upper half of each split goes on the free list one order down.</summary>
    private void Expand(int pfn, int zone, int high, int low)
    {
        _flags[pfn] = 0;
        var bound = new LoopBound(Order.Count);
        while (high > low)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            high--;
            AddToFreeList(pfn + (1 << high), zone, high);
        }
    }

    /// <summary>__add_to_free_list at the head (list_add), setting PageBuddy and the order.</summary>
    private void AddToFreeList(int pfn, int zone, int order)
    {
        var list = (zone * Order.Count) + order;
        var head = _freeHead[list];
        _next[pfn] = head;
        _prev[pfn] = None;
        if (head != None)
        {
            _prev[head] = pfn;
        }

        _freeHead[list] = pfn;
        _flags[pfn] = (byte)(BuddyFlag | order);
        _nrFree[list]++;
        _nonEmpty[zone] |= 1 << order;
        _index?[order].Add(pfn >> order);
    }

    /// <summary>del_page_from_free_list: unlink in O(1) through the prev/next links.</summary>
    private void DeleteFromFreeList(int pfn, int zone, int order)
    {
        var list = (zone * Order.Count) + order;
        var next = _next[pfn];
        var prev = _prev[pfn];
        if (prev == None)
        {
            _freeHead[list] = next;
        }
        else
        {
            _next[prev] = next;
        }

        if (next != None)
        {
            _prev[next] = prev;
        }

        if (--_nrFree[list] == 0)
        {
            _nonEmpty[zone] &= ~(1 << order);
        }

        _index?[order].Remove(pfn >> order);
    }

    /// <summary>The lowest free block of this order in the zone; the zone is known to have one.</summary>
    private int Lowest(int zone, int order) => (int)(_index![order].NextAtOrAfter(_zoneStart[zone] >> order) << order);

    private int ZoneIndexOf(int pfn)
    {
        var zone = 0;
        while (pfn >= _zoneEnd[zone])
        {
            zone++;
        }

        return zone;
    }

    /// <summary>memblock_free_all: every zone's span, less the reserved ranges, goes to the free lists.</summary>
    private void SeedFreeAreas()
    {
        for (var zone = 0; zone < _zoneType.Length; zone++)
        {
            var start = _zoneStart[zone];
            var end = _zoneEnd[zone];
            foreach (var reserved in Layout.Reserved)
            {
                FreeRange(start, Math.Clamp((int)reserved.Start.Value, start, end), zone);
                start = Math.Max(start, Math.Min((int)reserved.End.Value, end));
            }

            FreeRange(start, end, zone);
        }
    }

    /// <summary>
    /// __free_pages_memory: the largest naturally aligned blocks that fit (tzcnt(0) is 32, so pfn 0 gets MAX).
    /// </summary>
    private void FreeRange(int start, int stop, int zone)
    {
        var blocks = new LoopBound(stop - start);
        while (start < stop)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            blocks.Next();
            var order = Math.Min(Order.Max, BitOperations.TrailingZeroCount(start));
            var halvings = new LoopBound(Order.Count);
            while (start + (1 << order) > stop)
            {
                // Stryker disable once Statement : a loop bound that a correct loop never reaches
                halvings.Next();
                order--;
            }

            FreeOnePage(start, order, zone);
            start += 1 << order;
        }
    }
}
