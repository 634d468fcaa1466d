/** sprintf: Erlang io_lib:format over the SQL arguments (see io-format.ts for the supported directives). */
import { str } from './args.js';
import { badArg } from './errors.js';
import { FormatError, ioFormat } from './io-format.js';
import type { FunctionDef } from './types.js';

export const formattingFunctions: FunctionDef[] = [
  {
    name: 'sprintf',
    minArity: 1,
    maxArity: Infinity,
    impl: (fmt, ...args) => {
      try {
        return ioFormat(str('sprintf', fmt, 'format'), args);
      } catch (e) {
        if (e instanceof FormatError) throw badArg('sprintf', e.message, e);
        throw e;
      }
    },
    doc:
      'sprintf(Format, Args...): Erlang io_lib:format. ~s / ~ts a string, ~p / ~w any value in Erlang syntax ' +
      '(~p of a string prints <<"ab">>), ~n newline, ~~ a tilde, ~b ~B ~x ~X ~# ~+ integers, ~f ~e ~g floats, ' +
      "~c a character, ~i skips an argument; field width, precision and pad ('~-10s', '~.2f', '~5..0B') work. " +
      "sprintf('hello, ~s!', 'steve') = 'hello, steve!', sprintf('count: ~p~n', 100) = 'count: 100\\n'. " +
      'The argument count must match. rulemq differences: ~f/~e/~g accept integers, ~p never wraps lines.',
  },
];
