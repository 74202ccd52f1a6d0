using MMSpec.Model.Core;

namespace MMSpec.Impl.Buddy;

/// <summary>
/// A set of block numbers as a hierarchical bitmap: level 0 has one bit per block, each higher level one bit per
/// non-empty word below it, so insert, remove and "first member at or after n" take O(log64 n) steps
/// (the idea of find_next_bit, stacked). Used by <see cref="Placement.LowestAddress"/>.
/// </summary>
internal sealed class FreeBlockIndex
{
    /// <summary>64-bit words a level: eleven levels cover any long index.</summary>
    private const int MaxLevels = 11;

    private readonly ulong[][] _levels;

    public FreeBlockIndex(long capacity)
    {
        var levels = new List<ulong[]>();
        var bits = Math.Max(capacity, 1);
        var bound = new LoopBound(MaxLevels);
        do
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var words = (bits + 63) >> 6;
            levels.Add(new ulong[words]);
            bits = words;
        }
        while (bits > 1);

        _levels = [.. levels];
    }

    public long Bytes => _levels.Sum(level => (long)level.Length * sizeof(ulong));

    public void Add(long n)
    {
        for (var level = 0; level < _levels.Length; level++)
        {
            ref var word = ref _levels[level][n >> 6];
            var wasEmpty = word == 0;
            word |= 1UL << (int)(n & 63);
            if (!wasEmpty)
            {
                return;
            }

            n >>= 6;
        }
    }

    public void Remove(long n)
    {
        for (var level = 0; level < _levels.Length; level++)
        {
            ref var word = ref _levels[level][n >> 6];
            word &= ~(1UL << (int)(n & 63));
            if (word != 0)
            {
                return;
            }

            n >>= 6;
        }
    }

    /// <summary>The smallest member &gt;= <paramref name="from"/>, or -1.</summary>
    public long NextAtOrAfter(long from)
    {
        var level = 0;
        var n = from;
        var bound = new LoopBound(MaxLevels);
        while (true)
        {
            // Stryker disable once Statement : a loop bound that a correct loop never reaches
            bound.Next();
            var words = _levels[level];
            var index = n >> 6;
            if (index >= words.Length)
            {
                return -1;
            }

            var word = words[index] & (ulong.MaxValue << (int)(n & 63));
            if (word != 0)
            {
                n = (index << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                break;
            }

            if (level == _levels.Length - 1)
            {
                return -1;
            }

            level++;
            n = index + 1;
        }

        while (level > 0)
        {
            level--;
            n = (n << 6) + System.Numerics.BitOperations.TrailingZeroCount(_levels[level][n]);
        }

        return n;
    }
}
