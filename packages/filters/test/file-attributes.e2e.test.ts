import { writeFileSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { startGateway, until } from '@postern/testing'
import http from '@postern/http'
import filters, { parseDelimited } from '../src/index.js'

const plugins = [http, filters]

describe('parseDelimited', () => {
  test.for([
    [
      'COMMA',
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      'COMMA',
      '"x, y",z\r\n"say ""hi""",',
      [
        ['x, y', 'z'],
        ['say "hi"', ''],
      ],
    ],
    [
      'TAB',
      'a\tb\n"c\td"\te',
      [
        ['a', 'b'],
        ['c\td', 'e'],
      ],
    ],
    [
      'COLON',
      'root:x\\:y:0\n\nuser:pw:1',
      [
        ['root', 'x:y', '0'],
        ['user', 'pw', '1'],
      ],
    ],
  ] as const)('%s %j', ([separator, text, rows]) => {
    expect(parseDelimited(text, separator)).toEqual(rows)
  })
})

describe('FileAttributesFilter', () => {
  test('finds the record by key and exposes it in FileAttributesContext and the target; reloads a changed file', async () => {
    const gw = await startGateway({
      plugins,
      files: {
        'userfile.csv':
          'username,password,fullname\nbjensen,hifalutin,"Jensen, Barbara"\nscarter,sprain,Sam Carter\n',
      },
      routes: {
        'f.json': {
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'FileAttributesFilter',
                  config: {
                    file: 'userfile.csv',
                    key: 'username',
                    value: "${request.headers['X-User'][0]}",
                    fields: ['username', 'password', 'fullname'],
                    target: '${attributes.file}',
                  },
                },
              ],
              handler: {
                type: 'StaticResponseHandler',
                config: {
                  status: 200,
                  entity: '${contexts.fileAttributes.record.fullname}|${attributes.file.password}',
                },
              },
            },
          },
        },
      },
    })
    const ask = (user: string) =>
      fetch(gw.url('/'), { headers: { 'X-User': user } }).then((r) => r.text())
    expect(await ask('bjensen')).toBe('Jensen, Barbara|hifalutin')
    expect(await ask('nobody')).toBe('|')
    expect(await ask('username')).toBe('|') // the header row is not a record
    const file = join(gw.dir, 'userfile.csv')
    writeFileSync(file, 'username,password,fullname\nbjensen,changed,Babs Jensen\n')
    utimesSync(file, new Date(), new Date(Date.now() + 5000))
    // the file is checked at most once a second
    await until(async () => expect(await ask('bjensen')).toBe('Babs Jensen|changed'), {
      message: 'the edited file to be read again',
    })
  })

  test('without fields, keys are column numbers; a missing file gives an empty record and an error log', async () => {
    const gw = await startGateway({
      plugins,
      files: { passwd: 'root:x:0:0\nbjensen:x:1000:1000\n' },
      routes: {
        'c.json': {
          condition: "${request.uri.path == '/c'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'FileAttributesFilter',
                  config: {
                    file: 'passwd',
                    separator: 'colon',
                    header: false,
                    key: '0',
                    value: 'bjensen',
                  },
                },
              ],
              handler: {
                type: 'StaticResponseHandler',
                config: { status: 200, entity: '${contexts.fileAttributes.record["2"]}' },
              },
            },
          },
        },
        'm.json': {
          condition: "${request.uri.path == '/m'}",
          handler: {
            type: 'Chain',
            config: {
              filters: [
                {
                  type: 'FileAttributesFilter',
                  config: { file: 'nope.csv', key: 'a', value: 'b' },
                },
              ],
              handler: {
                type: 'StaticResponseHandler',
                config: { status: 200, entity: 'empty:${length(contexts.fileAttributes.record)}' },
              },
            },
          },
        },
      },
    })
    expect(await (await fetch(gw.url('/c'))).text()).toBe('1000')
    expect(await (await fetch(gw.url('/m'))).text()).toBe('empty:0')
    expect(gw.logs.some((l) => l.msg === 'cannot read the attributes file')).toBe(true)
  })
})
