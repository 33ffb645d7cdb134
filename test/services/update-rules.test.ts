import { test } from 'tap'
import { LISTING_UPDATE_BOUNDS } from '../../schemas/listing.js'
import { brokenUpdateRule } from '../../services/update-rules.js'

test('an update within every bound keeps the rules', async (t) => {
  t.equal(brokenUpdateRule({ price: 199, minNights: 2, maxNights: 30, name: 'Loft', description: '' }), undefined)
  t.equal(brokenUpdateRule({ minNights: 3, maxNights: 3 }), undefined, 'equal nights are fine')
  const edges = Object.fromEntries(Object.entries(LISTING_UPDATE_BOUNDS).map(([field, { min, max }]) =>
    [field, field === 'name' || field === 'description' || field === 'houseRules' ? 'x'.repeat(max) : field === 'minNights' ? min : max]))
  t.equal(brokenUpdateRule(edges), undefined, 'every bound is inclusive')
})

test('each broken rule names the field and the rule', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ minNights: 30, maxNights: 2 }, 'maxNights must be >= minNights'],
    [{ price: 99_999_999 }, 'price must be <= 1000000'],
    [{ price: -1 }, 'price must be >= 0'],
    [{ price: Number.POSITIVE_INFINITY }, 'price must be <= 1000000'],
    [{ cleaningFee: -0.01 }, 'cleaningFee must be >= 0'],
    [{ cleaningFee: 100_001 }, 'cleaningFee must be <= 100000'],
    [{ personCapacity: 0 }, 'personCapacity must be >= 1'],
    [{ bedroomsNumber: 101 }, 'bedroomsNumber must be <= 100'],
    [{ bathroomsNumber: -1 }, 'bathroomsNumber must be >= 0'],
    [{ minNights: 0 }, 'minNights must be >= 1'],
    [{ maxNights: 1126 }, 'maxNights must be <= 1125'],
    [{ name: '' }, 'name must NOT have fewer than 1 characters'],
    [{ name: '   ' }, 'name must not be blank'],
    [{ name: 'n'.repeat(256) }, 'name must NOT have more than 255 characters'],
    [{ houseRules: 'r'.repeat(10_001) }, 'houseRules must NOT have more than 10000 characters']
  ]
  for (const [update, message] of cases) t.equal(brokenUpdateRule(update), message, JSON.stringify(update).slice(0, 60))
})
