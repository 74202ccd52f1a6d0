using System.Diagnostics;
using MMSpec.Model.Buddy;

namespace MMSpec.Impl.Reclaim;

/// <summary>
/// cc->freepages: the free blocks compaction's free scanner isolated, one list per order (each block by its first
/// frame, linked through per-pfn arrays as page->lru links them), and cc->nr_freepages, the pages they hold. The
/// lists are empty between compaction runs, so one instance serves every run without allocating.
/// </summary>
internal sealed class CompactFreePages
{
    private const int None = -1;

    private readonly int[] _next;
    private readonly int[] _prev;
    private readonly int[] _head = new int[Order.Count];
    private readonly int[] _tail = new int[Order.Count];

    public CompactFreePages(int frames)
    {
        _next = new int[frames];
        _prev = new int[frames];
        Array.Fill(_head, None);
        Array.Fill(_tail, None);
    }

    /// <summary>cc->nr_freepages: the pages of every block on the lists.</summary>
    public long Pages { get; private set; }

    /// <summary>The smallest order whose list has a block (compaction_alloc's search); -1 if none has.</summary>
    public int SmallestNonEmpty()
    {
        for (var order = 0; order < Order.Count; order++)
        {
            if (_head[order] != None)
            {
                return order;
            }
        }

        return None;
    }

    /// <summary>list_add: the block at the head of its order's list.</summary>
    public void AddHead(int pfn, int order)
    {
        var head = _head[order];
        _next[pfn] = head;
        _prev[pfn] = None;
        if (head != None)
        {
            _prev[head] = pfn;
        }
        else
        {
            _tail[order] = pfn;
        }

        _head[order] = pfn;
        Pages += 1L << order;
    }

    /// <summary>list_add_tail: the block at the tail of its order's list (isolate_freepages_block).</summary>
    public void AddTail(int pfn, int order)
    {
        var tail = _tail[order];
        _prev[pfn] = tail;
        _next[pfn] = None;
        if (tail != None)
        {
            _next[tail] = pfn;
        }
        else
        {
            _head[order] = pfn;
        }

        _tail[order] = pfn;
        Pages += 1L << order;
    }

    /// <summary>list_first_entry and list_del: the first block of the order's list taken off it, or -1.</summary>
    public int PopHead(int order)
    {
        var pfn = _head[order];
        if (pfn == None)
        {
            return None;
        }

        _head[order] = _next[pfn];
        if (_next[pfn] != None)
        {
            _prev[_next[pfn]] = None;
        }
        else
        {
            _tail[order] = None;
        }

        Pages -= 1L << order;
        Debug.Assert(Pages >= 0, "the lists hold the pages counted");
        return pfn;
    }
}
