using System.Diagnostics;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// The live objects of a run, named by handle, as every component's steps name them: a step holds a number, and #n
/// is the n-th live object modulo how many there are, resolved when the step runs, so a sequence stays meaningful
/// while it shrinks. An object is taken when a call returns it and consumed when a call frees it; the consumed ones
/// are kept, newest first, for the steps that pass a freed object again (a double free, a dead address space).
/// </summary>
public sealed class HandleTable<T>
    where T : notnull
{
    private readonly List<T> _live = [];
    private readonly List<T> _gone = [];

    public HandleTable()
    {
    }

    /// <summary>Handles over objects live from the start (the kmalloc caches, for instance).</summary>
    public HandleTable(IEnumerable<T> initial) => _live.AddRange(initial);

    public int Count => _live.Count;

    /// <summary>The live objects, oldest first.</summary>
    public IReadOnlyList<T> Live => _live;

    /// <summary>The newest live object; there must be one.</summary>
    public T Last => _live[^1];

    /// <summary>Records an object a call returned.</summary>
    public void Take(T item) => _live.Add(item);

    /// <summary>Live object #<paramref name="handle"/>; there must be one (see <see cref="Count"/>).</summary>
    public T this[int handle]
    {
        get
        {
            Debug.Assert(_live.Count > 0 && handle >= 0, "a handle is resolved only while something is live");
            return _live[handle % _live.Count];
        }
    }

    /// <summary>Live object #<paramref name="handle"/>, or false when none is live.</summary>
    public bool TryPick(int handle, out T item)
    {
        item = _live.Count == 0 ? default! : _live[handle % _live.Count];
        return _live.Count > 0;
    }

    /// <summary>
    /// The object consumed #<paramref name="handle"/>-th most recently (0 the newest), or false when none was.
    /// </summary>
    public bool TryPickGone(int handle, out T item)
    {
        item = _gone.Count == 0 ? default! : _gone[_gone.Count - 1 - (handle % _gone.Count)];
        return _gone.Count > 0;
    }

    /// <summary>Where a live object is among <see cref="Live"/>, or -1.</summary>
    public int IndexOf(T item) => _live.IndexOf(item);

    /// <summary>Records that a call freed live object <paramref name="index"/>: it joins the consumed ones.</summary>
    public void ConsumeAt(int index)
    {
        _gone.Add(_live[index]);
        _live.RemoveAt(index);
    }

    /// <summary>Consumes every live object <paramref name="match"/> selects; returns how many there were.</summary>
    public int ConsumeAll(Predicate<T> match)
    {
        var consumed = 0;
        for (var i = _live.Count - 1; i >= 0; i--)
        {
            if (match(_live[i]))
            {
                ConsumeAt(i);
                consumed++;
            }
        }

        return consumed;
    }
}
