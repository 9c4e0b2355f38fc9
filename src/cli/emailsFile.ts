import { readFileSync } from 'node:fs';
import { AppError } from '../domain/appError.ts';

/** The emails in a CSV or plain list (an HR leavers export): every cell that looks like an email. */
export function emailsFrom(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError(
      'invalid_input',
      'unreadable_file',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return [...text.matchAll(/[^\s,;"']+@[^\s,;"']+\.[^\s,;"']+/g)].map((m) => m[0].toLowerCase());
}
