using System.Diagnostics;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Model.MemorySystem;

/// <summary>
/// The page allocator the slab layer sees inside a whole system: each block it asks for is a kernel allocation of
/// the reclaim system (<see cref="IReclaimSystem.KernelAlloc"/>, at the watermark the system's allocation set, so a
/// refused block sends the allocation down the slow path), each block it gives back a
/// <see cref="IReclaimSystem.KernelFree"/>. Its snapshot lists the blocks the slab layer holds as allocated and no
/// free block: the free frames belong to the reclaim system's buddy allocator.
/// </summary>
public sealed class SystemPageSource(IReclaimSystem reclaim, MemoryLayout layout) : IBuddyAllocator
{
    private readonly SortedDictionary<Pfn, Order> _held = [];

    public MemoryLayout Layout => layout;

    /// <summary>Whether a block the slab layer holds starts at <paramref name="pfn"/>.</summary>
    public bool Holds(Pfn pfn) => _held.ContainsKey(pfn);

    public Result<Pfn> AllocPages(Order order, ZoneType highestZone)
    {
        var block = reclaim.KernelAlloc(order);
        if (block.IsOk)
        {
            _held.Add(block.Value, order);
        }

        return block;
    }

    public Result<Unit> FreePages(Pfn pfn, Order order)
    {
        if (!_held.TryGetValue(pfn, out var held))
        {
            return new NotAllocated(pfn, order);
        }

        if (held != order)
        {
            return new OrderMismatch(pfn, order, held);
        }

        var freed = reclaim.KernelFree(pfn);
        Debug.Assert(freed.IsOk, "a block the slab layer holds is a kernel allocation");
        _held.Remove(pfn);
        return Unit.Value;
    }

    public BuddySnapshot Snapshot() => new(layout, [], _held.Select(h => new Block(h.Key, h.Value)));
}
